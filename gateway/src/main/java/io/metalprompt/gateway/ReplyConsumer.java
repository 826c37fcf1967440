package io.metalprompt.gateway;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.jboss.logging.Logger;

import io.metalprompt.service.kafka.KafkaSpans;
import io.metalprompt.service.kafka.PollLoop;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;

/**
 * Reads every result on {@code metal.inference-results} (each gateway instance in its own consumer group, from the
 * end) on a thread of its own and hands the ones this instance waits for to {@link PendingReplies}, matched by the
 * {@code REPLY_CORRELATION_ID} header: the poll's thread completes the waiting request itself. (A SmallRye channel
 * queued each record and dispatched it on an event loop first: ServingBench measured 4 ms from a result written to
 * the gateway at one client, 12 ms at 32.) A record that is not a reply to a gateway, or to a request no longer
 * waited for here, is skipped; a failing poll is tried again after a pause.
 */
public final class ReplyConsumer extends PollLoop<String, String> {

    private static final Logger LOG = Logger.getLogger(ReplyConsumer.class);
    private static final Duration POLL = Duration.ofSeconds(1);
    private static final Duration RETRY = Duration.ofSeconds(1);

    private final String topic;
    private final PendingReplies pending;
    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private volatile boolean assigned;

    public ReplyConsumer(Consumer<String, String> consumer, String topic, PendingReplies pending, Tracer tracer,
                         TextMapPropagator propagator) {
        super(consumer);
        this.topic = topic;
        this.pending = pending;
        this.tracer = tracer;
        this.propagator = propagator;
    }

    @Override
    protected void open() {
        consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                assigned = assigned || !partitions.isEmpty();
            }

            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            }
        });
    }

    /** One poll, and each reply it brought handed over. */
    @Override
    protected void step() throws InterruptedException {
        try {
            for (ConsumerRecord<String, String> record : consumer.poll(POLL)) {
                handle(record);
            }
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            LOG.warnf("reading replies failed (%s); trying again in %s", e, RETRY);
            Thread.sleep(RETRY.toMillis());
        }
    }

    /**
     * Whether the consumer has had partitions: from then on it hears every reply written (it reads from the end, so
     * a reply written before would be missed).
     */
    public boolean assigned() {
        return assigned;
    }

    private void handle(ConsumerRecord<String, String> record) {
        KafkaSpans.received(tracer, propagator, record);
        Header correlation = record.headers().lastHeader(KafkaRequestReply.DEFAULT_REPLY_CORRELATION_ID_HEADER);
        if (correlation == null) {
            LOG.debugf("result at %s-%d@%d has no correlation header: not a reply to a gateway", record.topic(),
                    record.partition(), record.offset());
            return;
        }
        String requestId = new String(correlation.value(), StandardCharsets.UTF_8);
        if (!pending.complete(requestId, record.value(), record.timestamp())) {
            LOG.debugf("result for request %s is not awaited here (another gateway's, late or repeated)", requestId);
        }
    }
}
