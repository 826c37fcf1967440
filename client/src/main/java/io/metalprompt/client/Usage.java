package io.metalprompt.client;

import java.time.LocalDate;
import java.util.List;

/** What the tenant used between two UTC days, inclusive ({@code GET /v1/usage}, 16). */
public record Usage(String tenant, LocalDate from, LocalDate to, Counts totals, List<TaskUsage> tasks) {

    public Usage {
        tasks = tasks == null ? List.of() : List.copyOf(tasks);
    }
}
