package io.metalprompt.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

/** What a tenant used ({@link UsageReports}). */
class UsageReportsTest extends TaskUseCaseTest {

    @Test
    void usageSumsTheTenantsTasksAndAddsWhatEachHoldsNow() {
        service.register("acme", REQUEST);
        service.register("acme", REQUEST);
        store.ready(ID_1);
        workerAnswers.complete(null);
        predictions.predict("acme", ID_1, new Api.PredictionRequest(List.of("fine")));
        metering.bytes.put(ID_1, 1000L);
        metering.bytes.put(id(2), 500L);
        Api.Usage usage = reports.usage("acme", null, null);
        assertEquals("2026-01-02", usage.from());
        assertEquals("2026-01-02", usage.to());
        assertEquals(new Api.Counts(1, 40, 0, 0, 1500), usage.totals());
        assertEquals(List.of(new Api.TaskUsage(ID_1, 1, 40, 0, 0, 1000), new Api.TaskUsage(id(2), 0, 0, 0, 0, 500)),
                usage.tasks());
        assertEquals(new Api.Counts(0, 0, 0, 0, 0), reports.usage("other", null, null).totals());
    }

    @Test
    void aUsageRangeThatIsNotDaysOrRunsBackwardsIs400() {
        assertEquals(400, assertThrows(ApiException.class, () -> reports.usage("acme", "yesterday", null)).status());
        assertEquals(400, assertThrows(ApiException.class, () -> reports.usage("acme", "2026-01-03", "2026-01-02")).status());
        assertEquals(400, assertThrows(ApiException.class, () -> reports.usage("acme", "2024-01-01", "2026-01-02")).status());
    }
}
