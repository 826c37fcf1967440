package io.metalprompt.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.metalprompt.store.Refinements;
import io.metalprompt.store.TaskRecord;

/** Reading tasks ({@link TaskViews}): one task, and the tenant's pages of tasks. */
class TaskViewsTest extends TaskUseCaseTest {

    private List<String> ids(Api.TaskPage page) {
        return page.tasks().stream().map(Api.TaskView::id).toList();
    }

    @Test
    void anotherTenantsTaskIsNotFound() {
        service.register("acme", REQUEST);
        assertEquals(404, assertThrows(ApiException.class, () -> views.get("other", ID_1)).status());
    }

    @Test
    void listingPagesTheTenantsTasksNewestFirstAndEndsWithoutACursor() {
        for (int i = 0; i < 3; i++) {
            service.register("acme", REQUEST);
        }
        service.register("other", REQUEST);
        List<String> acme = store.tasks.values().stream().filter(t -> t.tenant().equals("acme"))
                .map(TaskRecord::taskId).sorted(java.util.Comparator.reverseOrder()).toList();
        Api.TaskPage first = views.list("acme", "2", null);
        assertEquals(acme.subList(0, 2), ids(first));
        Api.TaskPage second = views.list("acme", "2", first.nextCursor());
        assertEquals(acme.subList(2, 3), ids(second));
        assertEquals(null, second.nextCursor());
    }

    @Test
    void aTaskRegisteredWhilePagingDoesNotAppearOnLaterPages() {
        service.register("acme", REQUEST);
        service.register("acme", REQUEST);
        Api.TaskPage first = views.list("acme", "1", null);
        assertEquals(List.of(id(2)), ids(first));
        service.register("acme", REQUEST);   // id 3: the same millisecond (fixed clock), after id 2 in the order
        assertEquals(List.of(id(1)), ids(views.list("acme", "1", first.nextCursor())));
    }

    @Test
    void aLimitOutOfRangeOrACursorNotGivenByTheApiIs400() {
        assertEquals(400, assertThrows(ApiException.class, () -> views.list("acme", "0", null)).status());
        assertEquals(400, assertThrows(ApiException.class, () -> views.list("acme", "101", null)).status());
        assertEquals(400, assertThrows(ApiException.class, () -> views.list("acme", "ten", null)).status());
        assertEquals(400, assertThrows(ApiException.class, () -> views.list("acme", null, "bm90IGEgY3Vyc29y")).status());
    }

    @Test
    void aRefinementEndingWhileTheTaskIsReadIsNeverShownDoneBesideTheVersionBeforeIt() {
        service.register("acme", REQUEST);
        store.ready(ID_1);
        store.refinements.put(ID_1, new Refinements.Refinement(5, Refinements.Refinement.RUNNING, 2));
        store.afterNextRead = () -> {   // the refiner serves version 2, then records its refinement done
            TaskRecord t = store.tasks.get(ID_1);
            store.tasks.put(ID_1, new TaskRecord(ID_1, t.tenant(), t.status(), t.design(), t.options(), 0,
                    t.createdAt(), t.pgmVersion(), t.k(), t.promptText(), null, 2));
            store.refinements.put(ID_1, new Refinements.Refinement(5, Refinements.Refinement.DONE, 2));
        };
        Api.TaskView view = views.get("acme", ID_1);
        assertEquals(Refinements.Refinement.RUNNING, view.refine().status(), "read before it ended");
        assertEquals(2, view.version(), "read after it was served");
        Api.TaskView next = views.get("acme", ID_1);
        assertEquals(Refinements.Refinement.DONE, next.refine().status());
        assertEquals(2, next.version());
    }
}
