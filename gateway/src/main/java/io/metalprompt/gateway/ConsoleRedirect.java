package io.metalprompt.gateway;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;

/**
 * {@code /console} (no slash, what people type) answers 301 to {@code console/}: the console's static files live
 * under {@code /console/} and its pages load their scripts relative to that folder. The location is relative so the
 * redirect stays right behind a proxy that serves the gateway under a path prefix.
 */
@ApplicationScoped
public class ConsoleRedirect {

    void register(@Observes Router router) {
        // a regex, because a plain Vert.x path "/console" would also match "/console/" and loop
        router.routeWithRegex(HttpMethod.GET, "/console").handler(context -> context.response()
                .setStatusCode(301).putHeader(HttpHeaders.LOCATION, "console/").end());
        router.routeWithRegex(HttpMethod.HEAD, "/console").handler(context -> context.response()
                .setStatusCode(301).putHeader(HttpHeaders.LOCATION, "console/").end());
    }
}
