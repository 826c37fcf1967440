package io.metalprompt.gateway;

import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Before any endpoint of the API reads its body: the API key names the tenant (401 otherwise, {@link Authenticator}),
 * then the tenant's request rate is checked (429, {@link TenantQuotas}). The API's endpoints are blocking, so this
 * runs on a worker thread, where the Redis lookup of the key may block.
 */
public class TenantFilter {

    @Inject
    Authenticator authenticator;

    @Inject
    TenantQuotas quotas;

    @Inject
    Caller caller;

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public void authenticate(ContainerRequestContext request) {
        String tenant = authenticator.tenantOf(request.getHeaders().get(HttpHeaders.AUTHORIZATION));
        quotas.checkRate(tenant);
        caller.authenticated(tenant);
    }
}
