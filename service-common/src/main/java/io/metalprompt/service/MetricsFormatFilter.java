package io.metalprompt.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.vertx.http.ManagementInterface;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * Sets the {@code Accept} header of every request for the Prometheus endpoint to the one format {@link MetricsAccept}
 * chose for it, before Quarkus' metrics handler reads it: text format 0.0.4 unless the client prefers OpenMetrics.
 * See docs/observability.md.
 */
@ApplicationScoped
public class MetricsFormatFilter {

    @ConfigProperty(name = "quarkus.micrometer.export.prometheus.path", defaultValue = "/q/metrics")
    String path;

    private String endpoint() {
        return path.startsWith("/") ? path : "/q/" + path;
    }

    /** The main router: where /q/metrics is served when the management interface is off. */
    void register(@Observes Filters filters) {
        String endpoint = endpoint();
        filters.register(rc -> negotiate(rc, endpoint), 100);
    }

    /** The management interface's own router (a port of its own), where the services serve /q/metrics. */
    void register(@Observes ManagementInterface management) {
        String endpoint = endpoint();
        management.router().route().order(Integer.MIN_VALUE).handler(rc -> negotiate(rc, endpoint));
    }

    private static void negotiate(RoutingContext rc, String endpoint) {
        if (endpoint.equals(rc.normalizedPath())) {
            String accept = rc.request().getHeader(HttpHeaders.ACCEPT);
            rc.request().headers().set(HttpHeaders.ACCEPT, MetricsAccept.resolve(accept));
        }
        rc.next();
    }
}
