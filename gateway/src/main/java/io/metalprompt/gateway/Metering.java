package io.metalprompt.gateway;

import java.time.LocalDate;
import java.util.Map;

import io.metalprompt.store.TaskStore;
import io.metalprompt.store.UsageStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Usage metering as the gateway sees it: an answered prediction is counted here, once, when the gateway has the one
 * result it answers the client with (docs/architecture.md, "Usage metering"); the counts are read back for
 * {@code GET /v1/usage}. Redis ({@link UsageStore}) in the service, a map in unit tests.
 */
public interface Metering {

    /**
     * Counts a prediction answered to the client: {@code inputs} inputs and the positions the LM read for them, under
     * its request id (a second call with the same id adds nothing). Throws when the count cannot be written, so an
     * answer is never given uncounted.
     */
    void answered(String tenant, String taskId, String requestId, LocalDate day, int inputs, long tokensRead);

    /** The tenant's counts per task (task id to counter to amount) over the days from..to, inclusive. */
    Map<String, Map<String, Long>> read(String tenant, LocalDate from, LocalDate to);

    /** What the task holds in Redis now (its examples and prompt artifacts), in bytes. */
    long bytesStored(String taskId);

    /** Redis, with the counts also as Prometheus counters per tenant. */
    static Metering in(UsageStore usage, TaskStore tasks, MeterRegistry registry) {
        return new Metering() {
            @Override
            public void answered(String tenant, String taskId, String requestId, LocalDate day, int inputs, long tokensRead) {
                if (usage.record(tenant, taskId, "answer:" + requestId, day,
                        Map.of(UsageStore.INPUTS_ANSWERED, (long) inputs, UsageStore.TOKENS_READ, tokensRead))) {
                    Counter.builder("metal.gateway.usage.inputs.answered").description("Inputs answered, per tenant "
                            + "(each answered request once; the same counts as GET /v1/usage)").tag("tenant", tenant)
                            .register(registry).increment(inputs);
                    Counter.builder("metal.gateway.usage.tokens.read").description("Positions the LM read for the "
                            + "answered inputs, per tenant").tag("tenant", tenant).register(registry).increment(tokensRead);
                }
            }

            @Override
            public Map<String, Map<String, Long>> read(String tenant, LocalDate from, LocalDate to) {
                return usage.read(tenant, from, to);
            }

            @Override
            public long bytesStored(String taskId) {
                return tasks.bytesStored(taskId);
            }
        };
    }
}
