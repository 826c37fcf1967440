package io.metalprompt.gateway;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * The first look at every request, as a route filter ahead of Quarkus's own handlers: a request target that is not
 * ASCII or not a URI (400), one longer than {@code metal.gateway.max-uri-length} (414), header fields larger than
 * {@code metal.gateway.max-header-size} (431) and a {@code Content-Length} above {@code metal.gateway.max-body-size}
 * (413) are answered here with problem+json, and the connection is closed when a body may follow.
 *
 * <p>The HTTP codec's own limits ({@code quarkus.http.limits.max-initial-line-length} and {@code max-header-size}) are
 * set well above these, so that such requests get this far: what the codec refuses (beyond those limits, or malformed
 * HTTP such as a NUL in a header, a negative {@code Content-Length} or one beside {@code Transfer-Encoding}) Vert.x
 * answers itself, with a bare status, and Quarkus offers no way to change that answer ({@code HttpDoorTest} shows each).
 */
@ApplicationScoped
public class RequestHeadCheck {

    /** Above Quarkus's body-size check (route order -2); a filter of priority p has order -p. */
    static final int PRIORITY = 1_000;

    @Inject
    GatewayConfig config;

    void register(@Observes Filters filters) {
        filters.register(this::check, PRIORITY);
    }

    void check(RoutingContext context) {
        HttpServerRequest request = context.request();
        String target = request.uri();
        String refusal = malformed(target);
        if (refusal != null) {
            refuse(context, 400, "malformed-request", "Malformed request", refusal, false);
            return;
        }
        GatewayConfig.Gateway limits = config.gateway();
        if (target.length() > limits.maxUriLength()) {
            refuse(context, 414, "uri-too-long", "URI too long", "the request target has " + target.length()
                    + " characters; the limit is " + limits.maxUriLength() + " (metal.gateway.max-uri-length)", true);
            return;
        }
        long headers = headerBytes(request);
        long maxHeaders = limits.maxHeaderSize().asLongValue();
        if (headers > maxHeaders) {
            refuse(context, 431, "headers-too-large", "Request header fields too large", "the header fields take "
                    + headers + " bytes; the limit is " + maxHeaders + " bytes (metal.gateway.max-header-size)", true);
            return;
        }
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        long maxBody = limits.maxBodySize().asLongValue();
        if (length != null && announced(length) > maxBody) {
            refuse(context, 413, "too-large", "Request exceeds a limit", "the request body has " + length.strip()
                    + " bytes; the limit is " + maxBody + " bytes (metal.gateway.max-body-size)", true);
            return;
        }
        context.next();
    }

    /** Why the request target is not one this API can read, or null. */
    static String malformed(String target) {
        if (target == null || target.isEmpty()) {
            return "the request has no target";
        }
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return "the request target has a character outside printable ASCII at " + i
                        + "; percent-encode it (RFC 3986: UTF-8 bytes as %XX)";
            }
        }
        try {
            new URI(target);
        } catch (URISyntaxException e) {
            return "the request target is not a valid URI (RFC 3986): " + e.getReason() + " at index " + e.getIndex()
                    + (target.contains("%") ? "; a '%' must start an escape of two hex digits (%25 for '%' itself)" : "");
        }
        return null;
    }

    /** The header block's size as sent: each field's name, value, ": " and line end. */
    private static long headerBytes(HttpServerRequest request) {
        long bytes = 0;
        for (Map.Entry<String, String> field : request.headers()) {
            bytes += field.getKey().length() + field.getValue().length() + 4;
        }
        return bytes;
    }

    /** The announced body length; the codec has already refused one that is not a non-negative number. */
    private static long announced(String length) {
        try {
            return Long.parseLong(length.strip());
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    private static void refuse(RoutingContext context, int status, String slug, String title, String detail,
                               boolean close) {
        var response = context.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, Problems.MEDIA_TYPE);
        if (close) {
            response.putHeader(HttpHeaders.CONNECTION, "close");
        }
        response.end(Problems.json(status, slug, title, detail, context.request().path()));
    }
}
