package io.metalprompt.gateway;

import jakarta.enterprise.context.RequestScoped;

/** The tenant the current call acts for, set by {@link TenantFilter} once its API key is checked. */
@RequestScoped
public class Caller {

    private String tenant;

    void authenticated(String tenant) {
        this.tenant = tenant;
    }

    /** The caller's tenant; a call that reached a resource without passing {@link TenantFilter} is a bug. */
    public String tenant() {
        if (tenant == null) {
            throw new IllegalStateException("no authenticated tenant for this call");
        }
        return tenant;
    }
}
