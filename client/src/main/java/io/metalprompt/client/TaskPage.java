package io.metalprompt.client;

import java.util.List;

/** One page of the tenant's tasks, newest first (16); {@code nextCursor} is null on the last page. */
public record TaskPage(List<TaskView> tasks, String nextCursor) {

    public TaskPage {
        tasks = tasks == null ? List.of() : List.copyOf(tasks);
    }
}
