package io.metalprompt.gateway;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The console's door (its files are static, under {@code META-INF/resources/console}): {@code /console} without the
 * slash, what people type, answers 301 to {@code console/} (relative, so it stays right behind a proxy that serves the
 * gateway under a path prefix); everything under {@code /console/} gets a strict policy: scripts, styles and calls
 * from this origin only, no inline script or style, no plugin, frame, form post or base change, and Trusted Types
 * required, so no string ever reaches innerHTML ({@code metal.gateway.console-policy}; {@code ConsoleIT} checks it in
 * Chromium).
 *
 * <p>The route has no path and compares the raw path: Vert.x matches paths and regular expressions (and Quarkus's
 * {@code quarkus.http.filter.*.matches}) against the decoded path, and a request whose path does not decode, such as
 * {@code /v1/tasks/%zz}, must still reach {@link RouterErrors} as a 400, not fail in a matcher as a 500.
 */
@ApplicationScoped
public class ConsoleRoutes {

    private final String policy;

    ConsoleRoutes(GatewayConfig config) {
        this.policy = config.gateway().consolePolicy();
    }

    void register(@Observes Router router) {
        router.route().method(HttpMethod.GET).method(HttpMethod.HEAD).order(-100).handler(this::handle);
    }

    private void handle(RoutingContext context) {
        String path = context.request().path();
        if ("/console".equals(path)) {
            context.response().setStatusCode(301).putHeader(HttpHeaders.LOCATION, "console/").end();
            return;
        }
        if (path != null && path.startsWith("/console/")) {
            context.response().putHeader("Content-Security-Policy", policy)
                    .putHeader("X-Content-Type-Options", "nosniff")
                    .putHeader("Referrer-Policy", "no-referrer");
        }
        context.next();
    }
}
