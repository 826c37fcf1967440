package io.metalprompt.gateway;

import java.time.Duration;

/**
 * The settings the task use cases need (from {@link GatewayConfig.Gateway}); {@code maxTasksPerTenant} 0 = no limit.
 */
public record TaskSettings(Limits limits, Duration publishTimeout, Duration predictionTimeout, int retryAfterSeconds,
                           int maxTasksPerTenant, int maxRefinementsPerTenant) {
    public TaskSettings(Limits limits, Duration publishTimeout, Duration predictionTimeout, int retryAfterSeconds,
                        int maxTasksPerTenant) {
        this(limits, publishTimeout, predictionTimeout, retryAfterSeconds, maxTasksPerTenant, 2);
    }
}
