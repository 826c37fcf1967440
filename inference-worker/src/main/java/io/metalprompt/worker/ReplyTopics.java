package io.metalprompt.worker;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * What the broker says about a reply topic — whether it exists, its partition count, whether this worker may write
 * to it, its {@code max.message.bytes} — asked once and kept for a while, so that a reply is never handed to the
 * producer for a topic or partition the producer would wait for in vain (its metadata wait is {@code max.block.ms},
 * a minute, for every such record). A broker that does not answer is not an answer: {@link Unavailable} is thrown
 * and nothing is kept, so the batch is tried again rather than its requests dead-lettered.
 */
public final class ReplyTopics {

    /** One topic as the broker describes it; {@code maxMessageBytes} is empty when the worker may not read it. */
    public record Info(boolean exists, int partitions, boolean writable, OptionalInt maxMessageBytes) {
        public static Info missing() {
            return new Info(false, 0, false, OptionalInt.empty());
        }
    }

    /** Asks the broker; throws {@link Unavailable} when it gets no answer. */
    public interface Describer {
        Info describe(String topic);
    }

    /** The broker did not answer in time; the caller should try again later. */
    public static final class Unavailable extends RuntimeException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private record Kept(Info info, long atNanos) {
    }

    private final Describer describer;
    private final long ttlNanos;
    private final LongSupplier nanoTime;
    private final Map<String, Kept> kept = new ConcurrentHashMap<>();

    public ReplyTopics(Describer describer, Duration ttl, LongSupplier nanoTime) {
        this.describer = describer;
        this.ttlNanos = ttl.toNanos();
        this.nanoTime = nanoTime;
    }

    /** The topic's description, from the broker at most once per time-to-live. */
    public Info info(String topic) {
        long now = nanoTime.getAsLong();
        Kept k = kept.get(topic);
        if (k != null && now - k.atNanos() < ttlNanos) {
            return k.info();
        }
        Info info = describer.describe(topic);
        kept.put(topic, new Kept(info, now));
        return info;
    }
}
