package io.metalprompt.gateway;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * An endpoint that reads a body ({@code @Consumes}) needs the request to say what it sends: without a
 * {@code Content-Type} the server would read the bytes as JSON anyway, so the call is a 415, as one with another media
 * type is (RESTEasy refuses that while matching, before the API key is checked; this runs before the key too).
 */
public class JsonContentType {

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION - 100)
    public void required(ContainerRequestContext request, ResourceInfo resource) {
        if (!resource.getResourceMethod().isAnnotationPresent(Consumes.class)) {
            return;   // no body is read: its Content-Type, even one that is not a media type, does not matter
        }
        MediaType type;
        try {
            type = request.getMediaType();
        } catch (IllegalArgumentException notAMediaType) {
            type = null;
        }
        if (type == null) {
            throw new ApiException(415, "unsupported-media-type", "Unsupported media type",
                    "the request has no Content-Type, or one that is not a media type: send the body as JSON with the "
                            + "header 'Content-Type: application/json'", 0);
        }
    }
}
