package io.metalprompt.service.kafka;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * A plain Kafka consumer's loop on a thread of its own (the gateway's replies, the worker's requests): {@link #open()},
 * then {@link #step()} until {@link #close()} is called from another thread, which wakes a waiting poll at once; then
 * {@link #finish()} and the clients closed. A wake-up that is not a close is an error and ends the loop with it.
 */
public abstract class PollLoop<K, V> implements Runnable {

    private static final Logger LOG = Logger.getLogger(PollLoop.class);

    protected final Consumer<K, V> consumer;
    private volatile boolean closing;

    protected PollLoop(Consumer<K, V> consumer) {
        this.consumer = consumer;
    }

    @Override
    public final void run() {
        try {
            open();
            while (!closing) {
                step();
            }
        } catch (WakeupException e) {
            if (!closing) {
                throw e;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                finish();
            } catch (InterruptedException | RuntimeException e) {
                LOG.debugf("finishing %s: %s", getClass().getSimpleName(), e);
            }
            closeClients();
        }
    }

    /** Stops the loop from another thread: the step under way ends first, then {@link #finish()}. */
    public void close() {
        closing = true;
        consumer.wakeup();
    }

    /** Whether {@link #close()} was called. */
    protected final boolean closing() {
        return closing;
    }

    /** Subscribes (and starts what else the loop needs), on the loop's thread. */
    protected abstract void open() throws InterruptedException;

    /** One poll and what it brought handled. */
    protected abstract void step() throws InterruptedException;

    /** What the loop still owes when it ends (nothing by default); a failure here is logged and the clients closed. */
    protected void finish() throws InterruptedException {
    }

    /** Closes the consumer (and, overridden, the loop's other clients); a failure to close is logged. */
    protected void closeClients() {
        try {
            consumer.close();
        } catch (RuntimeException e) {
            LOG.debugf("closing the consumer of %s: %s", getClass().getSimpleName(), e);
        }
    }
}
