package io.metalprompt.gateway;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.metalprompt.events.PromptDesign;
import io.metalprompt.store.PromptVersion;
import io.metalprompt.store.TaskIndex;
import io.metalprompt.store.TaskRecord;

/**
 * Reading the caller's tasks ({@code GET /v1/tasks/{id}} and {@code GET /v1/tasks}), in plain Java over the task
 * store: one task with its prompt versions and refinement, or a page of the tenant's tasks, newest first.
 */
public class TaskViews {

    private final Tasks store;
    private final TenantQuotas quotas;
    private final Clock clock;

    public TaskViews(Tasks store, TenantQuotas quotas, Clock clock) {
        this.store = store;
        this.quotas = quotas;
        this.clock = clock;
    }

    /**
     * The task with its prompt versions (a ready task registered before versions were recorded shows its first). The
     * refinement is read before the task: a refinement serves its version, then records itself done, so a view that
     * shows it done also shows the version it served (read the other way round, a refinement ending between the two
     * reads showed "done" beside the version before it).
     */
    public Api.TaskView get(String tenant, String taskId) {
        try (TenantQuotas.Permit permit = quotas.enter(tenant)) {
            Optional<Api.RefineView> refine = store.refinement(taskId).map(r -> new Api.RefineView(r.steps(), r.status()));
            TaskRecord t = store.owned(tenant, taskId);
            Api.TaskView v = view(t);
            List<PromptVersion> recorded = store.versions(taskId);
            List<Api.VersionView> versions = new java.util.ArrayList<>();
            Integer seen = null;
            for (PromptVersion p : recorded) {
                boolean served = t.ready() && p.number() == t.servedVersion();
                if (served) {
                    seen = p.examplesSeen();
                }
                PromptVersion.Quality q = p.quality();
                versions.add(new Api.VersionView(p.number(), p.source(), p.examplesSeen(), p.pgmVersion(),
                        p.createdAt() == null ? null : p.createdAt().toString(), served,
                        q == null ? null : new Api.QualityView(q.macroF1(), q.accuracy(), q.iclMacroF1(), q.iclAccuracy(),
                                q.validationExamples()), p.rejected()));
            }
            if (recorded.isEmpty() && t.ready()) {
                versions.add(new Api.VersionView(1, PromptVersion.GENERATED, null, t.pgmVersion(), null, true, null, null));
            }
            return new Api.TaskView(v.id(), v.status(), v.design(), v.k(), v.pgmVersion(), v.promptText(), v.reason(),
                    v.options(), v.createdAt(), seen, v.version(), versions, refine.orElse(null));
        }
    }

    /** The task as a page lists it: no versions. */
    private static Api.TaskView view(TaskRecord t) {
        String promptText = t.design() == PromptDesign.DISCRETE ? t.promptText() : null;
        String reason = TaskRecord.FAILED.equals(t.status()) ? t.reason() : null;
        return new Api.TaskView(t.taskId(), t.status(), t.design().name(), t.k(), t.pgmVersion(), promptText, reason,
                t.options(), t.createdAt() == null ? null : t.createdAt().toString(), null,
                t.ready() ? t.servedVersion() : null, null);
    }

    /** The most tasks one page lists, and how many when the caller does not say. */
    static final int MAX_PAGE = 100;
    static final int DEFAULT_PAGE = 20;

    /** How old an index entry whose task hash is missing must be before a listing drops it (a registration in flight). */
    static final Duration DANGLING_AFTER = Duration.ofMinutes(5);

    /**
     * One page of the tenant's tasks, newest first ({@code GET /v1/tasks}): {@code limit} 1 to 100 (null: 20),
     * {@code cursor} the {@code nextCursor} of the page before (null: the first page). Walks the tenant's index
     * (never another tenant's), reads each task, and skips an entry whose task is gone (deleted meanwhile, or a
     * registration whose hash is not written yet); {@code nextCursor} is null on the last page.
     */
    public Api.TaskPage list(String tenant, String limit, String cursor) {
        try (TenantQuotas.Permit permit = quotas.enter(tenant)) {
            int size = pageSize(limit);
            TaskCursor after = cursor == null ? null : TaskCursor.decode(cursor);
            List<Api.TaskView> views = new java.util.ArrayList<>(size);
            TaskIndex.IndexEntry lastListed = null;
            boolean more = false;
            Long fromMillis = after == null ? null : after.millis();
            String fromId = after == null ? null : after.taskId();
            while (!more) {
                int wanted = size + 1 - views.size();
                List<TaskIndex.IndexEntry> entries = store.newest(tenant, fromMillis, fromId, wanted);
                for (TaskIndex.IndexEntry e : entries) {
                    Optional<TaskRecord> task = store.find(e.taskId());
                    if (task.isEmpty()) {
                        if (clock.millis() - e.registeredAtMillis() > DANGLING_AFTER.toMillis()) {
                            store.unindex(tenant, e.taskId());
                        }
                        continue;
                    }
                    if (!tenant.equals(task.get().tenant())) {
                        continue;
                    }
                    if (views.size() == size) {
                        more = true;
                        break;
                    }
                    views.add(view(task.get()));
                    lastListed = e;
                }
                if (entries.size() < wanted) {
                    break;
                }
                TaskIndex.IndexEntry last = entries.get(entries.size() - 1);
                fromMillis = last.registeredAtMillis();
                fromId = last.taskId();
            }
            return new Api.TaskPage(views, more ? TaskCursor.after(lastListed).encode() : null);
        }
    }

    private static int pageSize(String limit) {
        if (limit == null) {
            return DEFAULT_PAGE;
        }
        try {
            int n = Integer.parseInt(limit.strip());
            if (n >= 1 && n <= MAX_PAGE) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw ApiException.badRequest("limit must be an integer from 1 to " + MAX_PAGE + " (default " + DEFAULT_PAGE
                + "), not '" + limit + "'");
    }
}
