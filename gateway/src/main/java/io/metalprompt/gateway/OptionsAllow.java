package io.metalprompt.gateway;

import java.util.Set;

import jakarta.inject.Inject;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * {@code OPTIONS} answers with the methods of the path asked about ({@link AllowedMethods}), as a 405 does: RESTEasy's
 * own answer lists every method of the resource class ({@code GET} for {@code /v1/tasks}, which is a 405). Like that
 * answer it needs no key (it comes before the resource filters), and a path no resource serves is left to RESTEasy.
 */
public class OptionsAllow {

    @Inject
    AllowedMethods allowedMethods;

    @ServerRequestFilter(preMatching = true)
    public Response answer(ContainerRequestContext request) {
        if (!HttpMethod.OPTIONS.equals(request.getMethod())) {
            return null;
        }
        Set<String> allowed = allowedMethods.of(request.getUriInfo().getRequestUri().getRawPath());
        return allowed.isEmpty() ? null : Response.ok().allow(allowed).build();
    }
}
