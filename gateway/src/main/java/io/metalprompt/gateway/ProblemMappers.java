package io.metalprompt.gateway;

import java.util.Set;
import java.util.UUID;

import jakarta.inject.Inject;
import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

import io.lettuce.core.RedisException;

/**
 * Every error leaves as {@code application/problem+json} with a message the caller can act on: never a stack
 * trace, and a 500 only for a bug (logged with a reference the answer carries).
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @Inject
    GatewayConfig config;

    @Inject
    AllowedMethods allowedMethods;


    @ServerExceptionMapper
    public Response api(ApiException e, UriInfo uri) {
        return Problems.response(e, path(uri));
    }

    @ServerExceptionMapper
    public Response unknownField(UnrecognizedPropertyException e, UriInfo uri) {
        return Problems.response(400, "invalid-json", "Invalid request body",
                "unknown field '" + e.getPropertyName() + "'" + at(e) + "; known fields: " + e.getKnownPropertyIds(),
                path(uri));
    }

    /** A value of the wrong JSON type ({@link StrictJson}: no coercion), or one an enum or number cannot take. */
    @ServerExceptionMapper
    public Response wrongValue(InvalidFormatException e, UriInfo uri) {
        Object value = e.getValue();
        String shown = value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
        return Problems.response(400, "invalid-json", "Invalid request body",
                where(e) + " must be " + expected(e.getTargetType()) + ", not " + shown, path(uri));
    }

    @ServerExceptionMapper
    public Response mismatched(MismatchedInputException e, UriInfo uri) {
        if (e.getPath().isEmpty() && e.getOriginalMessage().startsWith("Trailing token")) {
            // FAIL_ON_TRAILING_TOKENS (StrictJson): Jackson's message names classes and its feature flag
            return Problems.response(400, "invalid-json", "Malformed JSON",
                    "the body goes on after its JSON value; send exactly one JSON object", path(uri));
        }
        if (!e.getPath().isEmpty() && (e.getTargetType() == String.class || e.getTargetType() == Integer.class)) {
            return Problems.response(400, "invalid-json", "Invalid request body",
                    where(e) + " must be " + expected(e.getTargetType()), path(uri));
        }
        return Problems.response(400, "invalid-json", "Invalid request body",
                "the body does not have the expected shape" + at(e) + ": " + e.getOriginalMessage(), path(uri));
    }

    private static String expected(Class<?> type) {
        if (type == String.class) {
            return "a JSON string";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "a JSON integer (digits, no quotes, no fraction)";
        }
        return "a valid " + type.getSimpleName();
    }

    @ServerExceptionMapper
    public Response malformed(JsonParseException e, UriInfo uri) {
        return Problems.response(400, "invalid-json", "Malformed JSON",
                "the body is not valid JSON (line " + e.getLocation().getLineNr() + ", column "
                        + e.getLocation().getColumnNr() + "): " + e.getOriginalMessage(), path(uri));
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e, UriInfo uri) {
        if (e.getCause() instanceof ApiException api) {
            return api(api, uri);
        }
        if (e.getCause() instanceof JsonParseException p) {
            // databind wraps a syntax error met while building a record (e.g. the body ends too early)
            return malformed(p, uri);
        }
        return Problems.response(400, "invalid-json", "Invalid request body",
                "the body could not be read as JSON: " + e.getOriginalMessage(), path(uri));
    }

    @ServerExceptionMapper
    public Response unsupported(NotSupportedException e, UriInfo uri) {
        return Problems.response(415, "unsupported-media-type", "Unsupported media type",
                "send the body as JSON with the header 'Content-Type: application/json'", path(uri));
    }

    @ServerExceptionMapper
    public Response notAcceptable(NotAcceptableException e, UriInfo uri) {
        return Problems.response(406, "not-acceptable", "Not acceptable",
                "this API answers application/json (errors: application/problem+json); fix the Accept header", path(uri));
    }

    /** 405 with the methods the path does accept, in {@code Allow} and in the detail. */
    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e, UriInfo uri, Request request) {
        Set<String> allowed = allowedMethods.of(path(uri));
        if (allowed.isEmpty()) {
            allowed = e.getResponse().getAllowedMethods();
        }
        return Problems.builder(405, "method-not-allowed", "Method not allowed",
                "this path does not accept " + request.getMethod() + "; allowed: " + String.join(", ", allowed),
                path(uri)).allow(allowed).build();
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e, UriInfo uri) {
        return Problems.response(404, "not-found", "Not found",
                "no such resource; the API is under /v1/tasks (see /q/openapi)", path(uri));
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse() == null ? 500 : e.getResponse().getStatus();
        if (status >= 500) {
            return unexpected(e, uri);
        }
        Throwable cause = e.getCause();
        if (cause instanceof JsonProcessingException json) {
            return fromJackson(json, uri);
        }
        String reason = e.getResponse().getStatusInfo().getReasonPhrase();
        return Problems.response(status, "http-" + status, reason, e.getMessage(), path(uri));
    }

    @ServerExceptionMapper
    public Response redis(RedisException e, UriInfo uri) {
        LOG.warnf("Redis unavailable for %s: %s", path(uri), e.getMessage());
        return Problems.response(ApiException.unavailable("the task store (Redis) is not reachable; retry later",
                config.gateway().retryAfter()),
                path(uri));
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e, UriInfo uri) {
        if (e instanceof JsonProcessingException json) {
            return fromJackson(json, uri);
        }
        String reference = UUID.randomUUID().toString();
        LOG.errorf(e, "unexpected error %s on %s", reference, path(uri));
        return Problems.response(500, "internal", "Internal error",
                "an unexpected error occurred; report reference " + reference, path(uri));
    }

    /** The most specific answer for a Jackson failure that reached us wrapped or under a general type. */
    private Response fromJackson(JsonProcessingException e, UriInfo uri) {
        if (e.getCause() instanceof ApiException api) {
            // thrown while the body was read (BodyLimit), wrapped by Jackson
            return api(api, uri);
        }
        if (e.getCause() instanceof JsonParseException p) {
            return malformed(p, uri);
        }
        if (e instanceof UnrecognizedPropertyException u) {
            return unknownField(u, uri);
        }
        if (e instanceof InvalidFormatException f) {
            return wrongValue(f, uri);
        }
        if (e instanceof MismatchedInputException m) {
            return mismatched(m, uri);
        }
        if (e instanceof JsonParseException p) {
            return malformed(p, uri);
        }
        return json(e, uri);
    }

    private static String at(JsonMappingException e) {
        String where = where(e);
        return where.equals("the body") ? "" : " at " + where;
    }

    /** Where in the body the failure is: {@code examples[0].input}, or {@code the body}. */
    private static String where(JsonMappingException e) {
        String path = e.getPath().stream()
                .map(r -> r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]")
                .reduce("", String::concat);
        return path.isEmpty() ? "the body" : path.startsWith(".") ? path.substring(1) : path;
    }

    private static String path(UriInfo uri) {
        return uri == null ? null : uri.getRequestUri().getRawPath();
    }
}
