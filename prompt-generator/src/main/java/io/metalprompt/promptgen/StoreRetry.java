package io.metalprompt.promptgen;

import java.time.Duration;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;

/**
 * Runs an action again while Redis cannot be reached (a connection failure or a command timeout), with pauses that
 * double up to 5 s, until {@code patience} has passed; then the last error goes to the caller. A registration read
 * during a Redis restart is thus processed when Redis is back instead of being dead-lettered. An error Redis itself
 * answered (wrong type, out of memory...) and every other exception go to the caller at once.
 */
public final class StoreRetry {

    private static final Logger LOG = Logger.getLogger(StoreRetry.class);
    private static final Duration MAX_PAUSE = Duration.ofSeconds(5);

    /** Waits; {@link Thread#sleep(long)} in production. */
    public interface Sleeper {
        void sleep(Duration pause) throws InterruptedException;
    }

    private final Duration patience;
    private final Duration firstPause;
    private final Sleeper sleeper;

    public StoreRetry(Duration patience, Duration firstPause, Sleeper sleeper) {
        this.patience = patience;
        this.firstPause = firstPause;
        this.sleeper = sleeper;
    }

    public <T> T call(String what, Supplier<T> action) {
        Duration waited = Duration.ZERO;
        Duration pause = firstPause;
        while (true) {
            try {
                return action.get();
            } catch (RedisCommandExecutionException answered) {
                throw answered;
            } catch (RedisException unreachable) {
                if (waited.compareTo(patience) >= 0) {
                    throw unreachable;
                }
                LOG.warnf("Redis unreachable while %s (%s); trying again in %d ms", what, unreachable.getMessage(),
                        pause.toMillis());
                try {
                    sleeper.sleep(pause);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw unreachable;
                }
                waited = waited.plus(pause);
                pause = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
            }
        }
    }
}
