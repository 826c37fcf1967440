package io.metalprompt.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Iterator;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.metalprompt.client.FakeGateway.Answer;

/** {@link MetalClient#tasks(int)} walks the pages over {@code nextCursor}, one page at a time, as it is read. */
class TaskPagingTest {

    private final FakeGateway gateway;

    TaskPagingTest() throws Exception {
        gateway = new FakeGateway();
    }

    @AfterEach
    void close() {
        gateway.close();
    }

    private static String page(String cursor, String... ids) {
        StringBuilder tasks = new StringBuilder();
        for (String id : ids) {
            tasks.append(tasks.length() == 0 ? "" : ",").append("{\"id\":\"").append(id).append("\",\"status\":\"ready\"}");
        }
        return "{\"tasks\":[" + tasks + "],\"nextCursor\":" + (cursor == null ? "null" : "\"" + cursor + "\"") + "}";
    }

    @Test
    void everyTaskOfEveryPageInOrderWithEachPagesCursorSentBack() {
        // a cursor with characters that must be escaped in a query: it arrives as it was sent
        gateway.on("GET", "/v1/tasks",
                Answer.json(200, page("c+/=1", "t5", "t4")),
                Answer.json(200, page("c 2&x", "t3", "t2")),
                Answer.json(200, page(null, "t1")));
        MetalClient client = gateway.client(RetryPolicy.NONE).build();

        List<String> ids = client.tasks(2).map(TaskView::id).toList();

        assertEquals(List.of("t5", "t4", "t3", "t2", "t1"), ids);
        List<FakeGateway.Request> sent = gateway.requests();
        assertEquals(3, sent.size());
        assertEquals("limit=2", sent.get(0).uri().getQuery());
        assertEquals("limit=2&cursor=c+/=1", sent.get(1).uri().getQuery());
        assertEquals("limit=2&cursor=c 2&x", sent.get(2).uri().getQuery());
        assertEquals("limit=2&cursor=c%2B%2F%3D1", sent.get(1).uri().getRawQuery(), "the cursor is escaped on the wire");
    }

    @Test
    void theNextPageIsFetchedOnlyWhenTheCurrentOneIsUsedUp() {
        gateway.on("GET", "/v1/tasks", Answer.json(200, page("next", "t3", "t2")), Answer.json(200, page(null, "t1")));
        Iterator<TaskView> tasks = gateway.client(RetryPolicy.NONE).build().tasks(2).iterator();

        assertEquals("t3", tasks.next().id());
        assertEquals("t2", tasks.next().id());
        assertEquals(1, gateway.requests().size());
        assertEquals("t1", tasks.next().id());
        assertEquals(2, gateway.requests().size());
    }

    @Test
    void anEmptyPageWithACursorIsNotTheEnd() {
        gateway.on("GET", "/v1/tasks", Answer.json(200, page("a")), Answer.json(200, page(null, "t1")));
        assertEquals(List.of("t1"), gateway.client(RetryPolicy.NONE).build().tasks(5).map(TaskView::id).toList());
    }

    @Test
    void onePageIsReadWithItsCursor() {
        gateway.on("GET", "/v1/tasks", Answer.json(200, page(null, "t1")));
        TaskPage page = gateway.client(RetryPolicy.NONE).build().taskPage(100, null);
        assertEquals(1, page.tasks().size());
        assertNull(page.nextCursor());
        assertEquals("limit=100", gateway.requests().get(0).uri().getQuery());
    }

    @Test
    void aCursorHandedOutTwiceIsAnErrorNotAnEndlessLoop() {
        gateway.on("GET", "/v1/tasks", Answer.json(200, page("same", "t2")));
        MetalClient client = gateway.client(RetryPolicy.NONE).build();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> client.tasks(1).count());
        assertEquals("the gateway sent the task cursor 'same' twice", e.getMessage());
    }

    @Test
    void aGatewayWithoutListingSaysSoAsItsProblem() {
        // before issue 16 lands on a gateway, GET /v1/tasks is not there
        gateway.on("GET", "/v1/tasks", new Answer(405, java.util.Map.of(), "", java.time.Duration.ZERO));
        MetalClient client = gateway.client(RetryPolicy.NONE).build();
        MetalApiException e = assertThrows(MetalApiException.class, () -> client.tasks().findFirst());
        assertEquals(405, e.status());
    }

    @Test
    void aPageSizeOutsideOneToAHundredIsRefusedBeforeSending() {
        MetalClient client = gateway.client(RetryPolicy.NONE).build();
        assertThrows(IllegalArgumentException.class, () -> client.tasks(0));
        assertThrows(IllegalArgumentException.class, () -> client.taskPage(101, null));
        assertEquals(0, gateway.requests().size());
    }
}
