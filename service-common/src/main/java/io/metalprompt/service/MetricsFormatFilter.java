package io.metalprompt.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

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

    void register(@Observes Filters filters) {
        String endpoint = path.startsWith("/") ? path : "/q/" + path;
        filters.register(rc -> negotiate(rc, endpoint), 100);
    }

    private static void negotiate(RoutingContext rc, String endpoint) {
        if (endpoint.equals(rc.normalizedPath())) {
            String accept = rc.request().getHeader(HttpHeaders.ACCEPT);
            rc.request().headers().set(HttpHeaders.ACCEPT, MetricsAccept.resolve(accept));
        }
        rc.next();
    }
}
