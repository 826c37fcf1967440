package io.metalprompt.gateway;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import io.metalprompt.store.TaskIndex;
import io.metalprompt.store.UsageStore;

/**
 * What a tenant used ({@code GET /v1/usage}), in plain Java over usage metering and the tenant's task index: the
 * counts of a range of UTC days per task and in total, and the bytes each of its tasks holds now.
 */
public class UsageReports {

    private final Tasks store;
    private final Metering metering;
    private final TenantQuotas quotas;
    private final Clock clock;

    /** {@code metering} null: usage metering is not enabled, and every report is a 404. */
    public UsageReports(Tasks store, Metering metering, TenantQuotas quotas, Clock clock) {
        this.store = store;
        this.metering = metering;
        this.quotas = quotas;
        this.clock = clock;
    }

    private LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    /** The longest range {@code GET /v1/usage} reads at once, in days. */
    static final int MAX_USAGE_DAYS = 366;

    /**
     * What the tenant used on the UTC days {@code from}..{@code to} (ISO dates, inclusive; {@code to} null: today,
     * {@code from} null: the same day as {@code to}), per task and in total: the counts of those days, and the bytes each of its tasks holds now.
     */
    public Api.Usage usage(String tenant, String from, String to) {
        try (TenantQuotas.Permit permit = quotas.enter(tenant)) {
            if (metering == null) {
                throw ApiException.notFound("usage metering is not enabled");
            }
            LocalDate last = to == null ? today() : day(to, "to");
            LocalDate first = from == null ? last : day(from, "from");
            if (last.isBefore(first)) {
                throw ApiException.badRequest("from (" + first + ") is after to (" + last + ")");
            }
            if (java.time.temporal.ChronoUnit.DAYS.between(first, last) >= MAX_USAGE_DAYS) {
                throw ApiException.badRequest("a usage range may span at most " + MAX_USAGE_DAYS + " days; ask for "
                        + first + " to " + first.plusDays(MAX_USAGE_DAYS - 1) + " and go on from there");
            }
            Map<String, Map<String, Long>> counts = new java.util.TreeMap<>(metering.read(tenant, first, last));
            Map<String, Long> bytes = new java.util.HashMap<>();
            for (String id : allTaskIds(tenant)) {
                bytes.put(id, metering.bytesStored(id));
                counts.putIfAbsent(id, Map.of());
            }
            List<Api.TaskUsage> tasks = new java.util.ArrayList<>();
            long[] total = new long[5];
            for (Map.Entry<String, Map<String, Long>> e : counts.entrySet()) {
                Map<String, Long> c = e.getValue();
                Api.TaskUsage u = new Api.TaskUsage(e.getKey(), c.getOrDefault(UsageStore.INPUTS_ANSWERED, 0L),
                        c.getOrDefault(UsageStore.TOKENS_READ, 0L), c.getOrDefault(UsageStore.PROMPT_GENERATIONS, 0L),
                        c.getOrDefault(UsageStore.REFINEMENT_STEPS, 0L), bytes.getOrDefault(e.getKey(), 0L));
                tasks.add(u);
                total[0] += u.inputsAnswered();
                total[1] += u.tokensRead();
                total[2] += u.promptGenerations();
                total[3] += u.refinementSteps();
                total[4] += u.bytesStored();
            }
            return new Api.Usage(tenant, first.toString(), last.toString(),
                    new Api.Counts(total[0], total[1], total[2], total[3], total[4]), tasks);
        }
    }

    private static LocalDate day(String value, String name) {
        try {
            return LocalDate.parse(value.strip());
        } catch (java.time.format.DateTimeParseException e) {
            throw ApiException.badRequest(name + " must be a UTC day as yyyy-mm-dd (e.g. 2026-12-04), not '" + value + "'");
        }
    }

    /** Every task id in the tenant's index. */
    private List<String> allTaskIds(String tenant) {
        List<String> ids = new java.util.ArrayList<>();
        Long millis = null;
        String id = null;
        while (true) {
            List<TaskIndex.IndexEntry> page = store.newest(tenant, millis, id, 500);
            page.forEach(e -> ids.add(e.taskId()));
            if (page.size() < 500) {
                return ids;
            }
            millis = page.get(page.size() - 1).registeredAtMillis();
            id = page.get(page.size() - 1).taskId();
        }
    }
}
