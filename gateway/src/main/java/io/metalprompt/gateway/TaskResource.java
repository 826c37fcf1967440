package io.metalprompt.gateway;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.annotation.Timed;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Blocking;

/**
 * The public HTTP API: a thin JAX-RS adapter over the task use cases ({@link TaskService}, {@link TaskViews},
 * {@link VersionRequests}, {@link Predictions}).
 */
@Path("/v1/tasks")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "tasks", description = "Register few-shot tasks and get predictions from their generated prompts")
@SecurityScheme(securitySchemeName = TaskResource.API_KEY, type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "A tenant's API key ('metal keys create --tenant T'): 'Authorization: Bearer <key>'")
@SecurityRequirement(name = TaskResource.API_KEY)
@APIResponse(responseCode = "401", description = "No API key, or one that is unknown or revoked (see WWW-Authenticate)", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
@APIResponse(responseCode = "413", description = "The body is larger than metal.gateway.max-body-size", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
@APIResponse(responseCode = "405", description = "The path does not take this method; Allow names those it takes", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
@APIResponse(responseCode = "414", description = "The request target is longer than metal.gateway.max-uri-length", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
@APIResponse(responseCode = "431", description = "The header fields are larger than metal.gateway.max-header-size", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
@APIResponse(responseCode = "429", description = "A quota of the tenant is used up (requests per second, requests in progress, or tasks), or the client address has failed to authenticate too often; retry after Retry-After", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
public class TaskResource {

    static final String API_KEY = "apiKey";

    static final String TIMER = "metal.gateway.requests";

    @Inject
    TaskService service;

    @Inject
    TaskViews views;

    @Inject
    VersionRequests versions;

    @Inject
    Predictions predictions;

    @Inject
    Caller caller;

    @Inject
    MeterRegistry registry;

    @Inject
    Idempotency idempotency;

    @Inject
    ObjectMapper json;

    static final String IDEMPOTENCY_KEY = "1 to 255 visible ASCII characters: the same key with the same body within "
            + "24 h returns the first answer again (with Idempotent-Replayed: true), with another body it is a 422, "
            + "and while the first call runs a 409 with Retry-After. Per tenant.";

    /**
     * Runs the call once per Idempotency-Key and request ({@link Idempotency}); the answer, a refusal included, is
     * what is kept and replayed.
     */
    private Response idempotent(String key, String method, UriInfo uri, Object request, Supplier<Response> call) {
        String path = uri.getRequestUri().getRawPath();
        Idempotency.Answer answer = idempotency.run(caller.tenant(), key, method, path, request, () -> {
            Response r;
            try {
                r = call.get();
            } catch (ApiException e) {
                r = Problems.response(e, path);
            }
            return answer(r);
        });
        Response.ResponseBuilder out = Response.status(answer.status()).type(answer.contentType()).entity(answer.body());
        answer.headers().forEach(out::header);
        return out.build();
    }

    private Idempotency.Answer answer(Response r) {
        Object entity = r.getEntity();
        String body;
        try {
            body = entity == null ? "" : entity instanceof String text ? text : json.writeValueAsString(entity);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the answer", e);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String name : List.of("Location", "Retry-After", "WWW-Authenticate")) {
            String value = r.getHeaderString(name);
            if (value != null) {
                headers.put(name, value);
            }
        }
        String type = r.getMediaType() == null ? MediaType.APPLICATION_JSON : r.getMediaType().toString();
        return new Idempotency.Answer(r.getStatus(), type, body, headers);
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Timed(value = TIMER, extraTags = {"endpoint", "register"}, histogram = true,
            description = "Latency of the public API per endpoint")
    @Operation(summary = "Register a task",
            description = "Stores the task as pending and queues prompt generation; poll the statusUrl until it is ready.")
    @APIResponse(responseCode = "202", description = "Accepted; prompt generation is queued",
            headers = @Header(name = "Location", description = "The task's status URL"),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.TaskAccepted.class)))
    @APIResponse(responseCode = "400", description = "Malformed JSON, anything after the JSON value, a key given twice, a value of the wrong JSON type (no coercion: 1 is not a string, \"1\" and 1.5 are not integers), missing or blank fields, unknown fields", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    @APIResponse(responseCode = "413", description = "Too many examples or options, an input, output or option too long, or the registration too large as a Kafka record (metal.gateway.max-registration-size); the detail names the limit", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    @APIResponse(responseCode = "415", description = "Body not sent as application/json (or without a Content-Type)", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    @APIResponse(responseCode = "422", description = "Unknown design, output not among the options, fewer than two options, demonstrations out of range", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    @APIResponse(responseCode = "503", description = "Redis or Kafka unavailable; retry after Retry-After", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    public Response register(@Parameter(description = IDEMPOTENCY_KEY) @HeaderParam(Idempotency.HEADER) String key,
                             @Context UriInfo uri, Api.TaskRequest request) {
        return idempotent(key, "POST", uri, request, () -> {
            Api.TaskAccepted accepted = service.register(caller.tenant(), request);
            registry.counter("metal.gateway.registrations").increment();
            return Response.accepted(accepted).location(URI.create(accepted.statusUrl())).build();
        });
    }

    @GET
    @Timed(value = TIMER, extraTags = {"endpoint", "list"}, histogram = true,
            description = "Latency of the public API per endpoint")
    @Operation(summary = "The tenant's tasks, newest first",
            description = "One page of the caller's tasks (never another tenant's). Pass the page's nextCursor as cursor "
                    + "for the next one: paging is stable while tasks are registered (tasks registered meanwhile never "
                    + "appear on later pages; none is skipped or repeated). The views carry no versions list.")
    @APIResponse(responseCode = "200", description = "One page", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.TaskPage.class)))
    @APIResponse(responseCode = "400", description = "limit not an integer from 1 to 100, or a cursor this API did not give", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    @APIResponse(responseCode = "503", description = "Redis unavailable; retry after Retry-After", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    public Api.TaskPage list(
            @Parameter(description = "Tasks per page, 1 to 100", schema = @Schema(type = SchemaType.INTEGER, defaultValue = "20"))
            @QueryParam("limit") String limit,
            @Parameter(description = "The nextCursor of the page before; leave out for the first page")
            @QueryParam("cursor") String cursor) {
        return views.list(caller.tenant(), limit, cursor);
    }

    @GET
    @Path("{id}")
    @Timed(value = TIMER, extraTags = {"endpoint", "get"}, histogram = true,
            description = "Latency of the public API per endpoint")
    @Operation(summary = "A task's status and prompt")
    @APIResponse(responseCode = "200", description = "The task", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.TaskView.class)))
    @APIResponse(responseCode = "404", description = "No such task for this tenant (the same answer whether or not another tenant has it)", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    public Api.TaskView get(@PathParam("id") String id) {
        return views.get(caller.tenant(), id);
    }

    @DELETE
    @Path("{id}")
    @Timed(value = TIMER, extraTags = {"endpoint", "delete"}, histogram = true,
            description = "Latency of the public API per endpoint")
    @Operation(summary = "Delete a task", description = "Removes its metadata and publishes TaskDeleted so its prompts are dropped.")
    @APIResponse(responseCode = "204", description = "Deleted")
    @APIResponse(responseCode = "404", description = "No such task for this tenant (the same answer whether or not another tenant has it)", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    @APIResponse(responseCode = "503", description = "Redis or Kafka unavailable", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    public Response delete(@PathParam("id") String id) {
        service.delete(caller.tenant(), id);
        return Response.noContent().build();
    }

    @POST
    @Path("{id}/examples")
    @Consumes(MediaType.APPLICATION_JSON)
    @Timed(value = TIMER, extraTags = {"endpoint", "examples"}, histogram = true,
            description = "Latency of the public API per endpoint")
    @Operation(summary = "Add examples to a ready task",
            description = "Appends the examples; the prompt-generator makes the task's next prompt version from the "
                    + "served prompt and these examples (iterative generation), stores it, and moves the task to it once "
                    + "stored. Requests are answered by the served version until then, never failed.")
    @APIResponse(responseCode = "202", description = "Accepted; the version is being made",
            headers = @Header(name = "Location", description = "The task's status URL"),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.VersionAccepted.class)))
    @APIResponse(responseCode = "400", description = "Malformed JSON, no examples, a blank input or output", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    @APIResponse(responseCode = "404", description = "No such task for this tenant", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    @APIResponse(responseCode = "409", description = "The task is not ready (no prompt to add to yet, or failed)", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    @APIResponse(responseCode = "413", description = "The task would hold more than metal.gateway.max-examples-per-task examples in all, or an input or output too long", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    @APIResponse(responseCode = "415", description = "Body not sent as application/json", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    @APIResponse(responseCode = "422", description = "An output not among the task's options, or the Idempotency-Key reused for another request", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    @APIResponse(responseCode = "503", description = "Redis or Kafka unavailable; retry after Retry-After", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    public Response addExamples(@PathParam("id") String id,
                                @Parameter(description = IDEMPOTENCY_KEY) @HeaderParam(Idempotency.HEADER) String key,
                                @Context UriInfo uri, Api.ExamplesRequest request) {
        return idempotent(key, "POST", uri, request, () -> {
            Api.VersionAccepted accepted = versions.addExamples(caller.tenant(), id, request);
            return Response.accepted(accepted).location(URI.create(accepted.statusUrl())).build();
        });
    }

    @POST
    @Path("{id}/refine")
    @Consumes(MediaType.APPLICATION_JSON)
    @Timed(value = TIMER, extraTags = {"endpoint", "refine"}, histogram = true,
            description = "Latency of the public API per endpoint")
    @Operation(summary = "Refine a ready task's prompt in the background",
            description = "Gradient steps on the task's examples from the served prompt, made into the task's next "
                    + "prompt version and served once stored if it is not worse on the validation examples.")
    @APIResponse(responseCode = "202", description = "Queued; the version is being made",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.VersionAccepted.class)))
    @APIResponse(responseCode = "400", description = "steps missing or not from 1 to 200", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    @APIResponse(responseCode = "404", description = "No such task for this tenant", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    @APIResponse(responseCode = "409", description = "The task is not ready, or is being refined already", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    @APIResponse(responseCode = "422", description = "A DISCRETE task (its prompt is tokens)", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    @APIResponse(responseCode = "429", description = "The tenant has metal.gateway.quota.max-refinements queued or running", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    public Response refine(@PathParam("id") String id, Api.RefineBody request) {
        Api.VersionAccepted accepted = versions.refine(caller.tenant(), id, request);
        return Response.accepted(accepted).location(URI.create(accepted.statusUrl())).build();
    }

    @POST
    @Path("{id}/predictions")
    @Consumes(MediaType.APPLICATION_JSON)
    @Blocking
    @Timed(value = TIMER, extraTags = {"endpoint", "predict"}, histogram = true,
            description = "Latency of the public API per endpoint")
    @Operation(summary = "Predict with a ready task",
            description = "Scores every option for each input behind the task's prompt (or generates text).")
    @APIResponse(responseCode = "200", description = "One prediction per input, in order", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.PredictionResponse.class)))
    @APIResponse(responseCode = "400", description = "Malformed JSON (as for a registration), no inputs, an input that is not a string or is blank", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    @APIResponse(responseCode = "415", description = "Body not sent as application/json (or without a Content-Type)", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    @APIResponse(responseCode = "404", description = "No such task for this tenant (the same answer whether or not another tenant has it)", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    @APIResponse(responseCode = "409", description = "The task is not ready (the detail says its status)", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    @APIResponse(responseCode = "413", description = "Too many inputs in one call, too many for the task's options (metal.gateway.max-scores-per-call), or an input too long; the detail names the limit", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    @APIResponse(responseCode = "422", description = "The worker rejected the inputs (INVALID), e.g. an input too long for the model's positions; the detail is the worker's reason", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    @APIResponse(responseCode = "503", description = "The worker failed; retry after Retry-After", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    @APIResponse(responseCode = "504", description = "No worker answered in time; retry after Retry-After", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    public Response predict(@PathParam("id") String id,
                            @Parameter(description = IDEMPOTENCY_KEY) @HeaderParam(Idempotency.HEADER) String key,
                            @Context UriInfo uri, Api.PredictionRequest request) {
        return idempotent(key, "POST", uri, request, () -> predictOnce(id, request));
    }

    private Response predictOnce(String id, Api.PredictionRequest request) {
        // Synchronous on this worker thread (@Blocking): a blocking resource method that returned a CompletionStage
        // completed elsewhere was resumed once in a few thousand calls without its request context (a 500). The wait
        // is bounded by metal.gateway.prediction-timeout inside Predictions; a call in flight holds one worker thread
        // (quarkus.thread-pool.max-threads), and the tenant's concurrency quota bounds them.
        Api.PredictionResponse response;
        try {
            response = predictions.predict(caller.tenant(), id, request);
        } catch (ApiException e) {
            registry.counter("metal.gateway.predictions", "outcome", Integer.toString(e.status())).increment();
            throw e;
        }
        registry.counter("metal.gateway.predictions", "outcome", "ok").increment();
        registry.counter("metal.gateway.predicted.inputs").increment(response.predictions().size());
        return Response.ok(response).build();
    }
}
