package io.metalprompt.gateway;

import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Errors the HTTP router answers itself, before or beside RESTEasy, as problem+json instead of Vert.x's bare status
 * line: a path it cannot decode (400, e.g. {@code %zz}), a path no route serves (404, e.g. {@code /nope}), and any
 * other failure no handler took (500, logged with a reference the answer carries).
 */
@ApplicationScoped
public class RouterErrors {

    private static final Logger LOG = Logger.getLogger(RouterErrors.class);
    private static final List<Integer> STATUSES = List.of(400, 404, 405, 413, 414, 431, 500);

    void register(@Observes Router router) {
        STATUSES.forEach(status -> router.errorHandler(status, this::answer));
    }

    void answer(RoutingContext context) {
        if (context.response().ended()) {
            return;
        }
        int status = context.statusCode() > 0 ? context.statusCode() : 500;
        String title = HttpResponseStatus.valueOf(status).reasonPhrase();
        String slug;
        String detail;
        switch (status) {
            case 400 -> {
                slug = "malformed-request";
                detail = "the request cannot be read: its path is not valid (a '%' must start an escape of two hex "
                        + "digits, %25 for '%' itself)";
            }
            case 404 -> {
                slug = "not-found";
                detail = "no such resource; the API is under /v1/tasks (see /q/openapi)";
            }
            case 500 -> {
                String reference = UUID.randomUUID().toString();
                LOG.errorf(context.failure(), "unexpected error %s on %s", reference, context.request().path());
                slug = "internal";
                detail = "an unexpected error occurred; report reference " + reference;
            }
            default -> {
                slug = "http-" + status;
                detail = title;
            }
        }
        context.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, Problems.MEDIA_TYPE)
                .end(Problems.json(status, slug, title, detail, context.request().path()));
    }
}
