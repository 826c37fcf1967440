package io.metalprompt.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

class PendingRepliesTest {

    @Test
    void aResultFindsTheRequestRegisteredBeforeItWasSent() {
        PendingReplies pending = new PendingReplies();
        CompletableFuture<PendingReplies.Reply> reply = pending.register("r1");
        // the result may arrive before anything about the send is known: it is handed over all the same
        assertTrue(pending.complete("r1", "{result}", 0));
        assertEquals("{result}", reply.join().payload());
        assertEquals(0, pending.size());
    }

    @Test
    void resultsNobodyWaitsForAreNotHandedOver() {
        PendingReplies pending = new PendingReplies();
        assertFalse(pending.complete("other-instance", "{}", 0), "another gateway's result");
        CompletableFuture<PendingReplies.Reply> reply = pending.register("r2");
        pending.forget("r2");                                       // timed out
        assertFalse(pending.complete("r2", "{late}", 0), "a late result");
        assertFalse(reply.isDone());
        pending.register("r3");
        assertTrue(pending.complete("r3", "{first}", 0));
        assertFalse(pending.complete("r3", "{again}", 0), "a repeated result");
    }

    @Test
    void aRequestIdWaitsOnlyOnce() {
        PendingReplies pending = new PendingReplies();
        pending.register("r4");
        assertThrows(IllegalStateException.class, () -> pending.register("r4"));
    }
}
