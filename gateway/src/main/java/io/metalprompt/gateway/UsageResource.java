package io.metalprompt.gateway;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.micrometer.core.annotation.Timed;

/** {@code GET /v1/usage}: a thin JAX-RS adapter over {@link UsageReports#usage}. */
@Path("/v1/usage")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "usage", description = "What the tenant used")
@SecurityRequirement(name = TaskResource.API_KEY)
@APIResponse(responseCode = "401", description = "No API key, or one that is unknown or revoked (see WWW-Authenticate)", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
@APIResponse(responseCode = "429", description = "A quota of the tenant is used up; retry after Retry-After", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
public class UsageResource {

    @Inject
    UsageReports reports;

    @Inject
    Caller caller;

    @GET
    @Timed(value = TaskResource.TIMER, extraTags = {"endpoint", "usage"}, histogram = true,
            description = "Latency of the public API per endpoint")
    @Operation(summary = "What the tenant used",
            description = "Per task and in total, on the UTC days from..to (inclusive): inputs answered, positions the "
                    + "LM read for them, prompt generations, refinement steps; and the bytes each task holds now. Each "
                    + "answered request is counted exactly once, also when a worker fails over; the counts live in Redis.")
    @APIResponse(responseCode = "200", description = "The usage", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Api.Usage.class)))
    @APIResponse(responseCode = "400", description = "A day not in yyyy-mm-dd, from after to, or more than 366 days", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    @APIResponse(responseCode = "503", description = "Redis unavailable; retry after Retry-After", content = @Content(mediaType = Problems.MEDIA_TYPE, schema = @Schema(implementation = Api.Problem.class)))
    public Api.Usage usage(
            @Parameter(description = "First UTC day (yyyy-mm-dd); default: the day of to") @QueryParam("from") String from,
            @Parameter(description = "Last UTC day (yyyy-mm-dd), inclusive; default: today") @QueryParam("to") String to) {
        return reports.usage(caller.tenant(), from, to);
    }
}
