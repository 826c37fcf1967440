package io.metalprompt.gateway;

import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Builds {@code application/problem+json} responses (RFC 9457): type, title, status, detail, instance. */
public final class Problems {

    public static final String MEDIA_TYPE = "application/problem+json";
    public static final String TYPE_PREFIX = "urn:metal-prompt:problem:";

    private static final ObjectMapper JSON = new ObjectMapper();

    private Problems() {
    }

    public static Response response(ApiException e, String instance) {
        Response.ResponseBuilder builder = builder(e.status(), e.slug(), e.title(), e.detail(), instance);
        if (e.retryAfterSeconds() > 0) {
            builder.header("Retry-After", Integer.toString(e.retryAfterSeconds()));
        }
        e.headers().forEach(builder::header);
        return builder.build();
    }

    public static Response response(int status, String slug, String title, String detail, String instance) {
        return builder(status, slug, title, detail, instance).build();
    }

    public static Response.ResponseBuilder builder(int status, String slug, String title, String detail, String instance) {
        return Response.status(status).type(MEDIA_TYPE).entity(json(status, slug, title, detail, instance));
    }

    /** The problem document itself, for answers written below JAX-RS (the HTTP server's own refusals). */
    public static String json(int status, String slug, String title, String detail, String instance) {
        try {
            return JSON.writeValueAsString(new Api.Problem(TYPE_PREFIX + slug, title, status, detail, instance));
        } catch (JsonProcessingException e) {
            return "{\"status\":" + status + "}";
        }
    }
}
