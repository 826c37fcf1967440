package io.metalprompt.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.metalprompt.store.TaskRecord;

/** Ready tasks remembered for a while, per tenant; pending ones read every time; a deleted one forgotten. */
class ReadyTasksTest extends TaskUseCaseTest {

    private final AtomicLong nanos = new AtomicLong();
    private final ReadyTasks remembered = new ReadyTasks(Duration.ofSeconds(5), 100, nanos::get);
    private int reads;
    /** The fixture's store, its reads counted. */
    private final Tasks counting = (Tasks) Proxy.newProxyInstance(Tasks.class.getClassLoader(),
            new Class<?>[] {Tasks.class}, (proxy, method, args) -> {
                if (method.getName().equals("find")) {
                    reads++;
                }
                return method.isDefault() ? InvocationHandler.invokeDefault(proxy, method, args)
                        : method.invoke(store, args);
            });

    @Test
    void aReadyTaskIsReadOnceWithinItsTimeAndAgainAfterIt() {
        service.register("acme", REQUEST);
        store.ready(ID_1);
        remembered.owned(counting, "acme", ID_1);
        remembered.owned(counting, "acme", ID_1);
        assertEquals(1, reads);
        nanos.addAndGet(Duration.ofSeconds(5).toNanos() + 1);
        remembered.owned(counting, "acme", ID_1);
        assertEquals(2, reads);
    }

    @Test
    void aPendingTaskIsReadEveryTime() {
        service.register("acme", REQUEST);
        assertEquals(TaskRecord.PENDING, remembered.owned(counting, "acme", ID_1).status());
        store.ready(ID_1);
        assertEquals(TaskRecord.READY, remembered.owned(counting, "acme", ID_1).status(), "ready as soon as it is");
        assertEquals(2, reads);
    }

    @Test
    void anotherTenantGets404EvenForARememberedTask() {
        service.register("acme", REQUEST);
        store.ready(ID_1);
        remembered.owned(counting, "acme", ID_1);
        assertEquals(404, assertThrows(ApiException.class, () -> remembered.owned(counting, "umbrella", ID_1)).status());
    }

    @Test
    void aForgottenTaskIsReadAgain() {
        service.register("acme", REQUEST);
        store.ready(ID_1);
        remembered.owned(counting, "acme", ID_1);
        store.delete(ID_1);
        remembered.forget(ID_1);
        assertEquals(404, assertThrows(ApiException.class, () -> remembered.owned(counting, "acme", ID_1)).status());
    }

    @Test
    void aZeroTimeKeepsNothing() {
        ReadyTasks never = new ReadyTasks(Duration.ZERO, 100, nanos::get);
        service.register("acme", REQUEST);
        store.ready(ID_1);
        never.owned(counting, "acme", ID_1);
        never.owned(counting, "acme", ID_1);
        assertEquals(2, reads);
    }
}
