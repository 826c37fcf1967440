package io.metalprompt.gateway;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The inference requests this gateway instance is waiting for, by request id (the correlation id).
 *
 * <p>A request is registered BEFORE it is sent, so a worker that answers faster than the producer's
 * acknowledgement reaches the gateway still finds it waiting. (SmallRye's {@code KafkaRequestReply} registers its
 * pending reply only once the send is acknowledged; under load a fast reply overtook that and was dropped, and the
 * client got a 504 for an answered request: seen as about one call in 320 in the gateway's concurrency test.)
 */
@ApplicationScoped
public class PendingReplies {

    /**
     * A reply as it reached this gateway: its payload, when the worker wrote it (the record's timestamp, epoch ms) and
     * when the consumer handed it over here (epoch ms, and {@link System#nanoTime()} for the thread hand-off after it).
     */
    public record Reply(String payload, long writtenMillis, long receivedMillis, long receivedNanos) {
    }

    private final ConcurrentHashMap<String, CompletableFuture<Reply>> waiting = new ConcurrentHashMap<>();

    /** Starts waiting for {@code requestId}'s reply; a request id already waited for is an error. */
    public CompletableFuture<Reply> register(String requestId) {
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        if (waiting.putIfAbsent(requestId, reply) != null) {
            throw new IllegalStateException("request " + requestId + " is already waiting for its result");
        }
        return reply;
    }

    /**
     * Hands {@code payload} (written by the worker at {@code writtenMillis}) to the request waiting for
     * {@code requestId}; false when none is (a reply to another
     * gateway instance, a late one after a timeout, or a duplicate).
     */
    public boolean complete(String requestId, String payload, long writtenMillis) {
        CompletableFuture<Reply> reply = waiting.remove(requestId);
        return reply != null
                && reply.complete(new Reply(payload, writtenMillis, System.currentTimeMillis(), System.nanoTime()));
    }

    /** Stops waiting (after the reply, a timeout or a failed send). */
    public void forget(String requestId) {
        waiting.remove(requestId);
    }

    /** How many requests wait for their result now. */
    public int size() {
        return waiting.size();
    }
}
