package io.metalprompt.gateway;

import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.vertx.core.http.HttpServerRequest;

/**
 * Before any endpoint of the API reads its body: a client address with too many failed authentications is refused
 * (429, {@link FailedAuthentications}), the API key names the tenant (401 otherwise, counted as a failure of the
 * address, {@link Authenticator}), then the tenant's request rate is checked (429, {@link TenantQuotas}). The API's
 * endpoints are blocking, so this runs on a worker thread, where the Redis lookup of the key may block.
 */
public class TenantFilter {

    @Inject
    Authenticator authenticator;

    @Inject
    TenantQuotas quotas;

    @Inject
    Caller caller;

    @Inject
    FailedAuthentications failures;

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public void authenticate(ContainerRequestContext request, HttpServerRequest http) {
        String client = http.remoteAddress() == null ? "unknown" : http.remoteAddress().hostAddress();
        failures.check(client);
        String tenant;
        try {
            tenant = authenticator.tenantOf(request.getHeaders().get(HttpHeaders.AUTHORIZATION));
        } catch (ApiException e) {
            if (e.status() == 401) {
                failures.failed(client);
            }
            throw e;
        }
        quotas.checkRate(tenant);
        caller.authenticated(tenant);
    }
}
