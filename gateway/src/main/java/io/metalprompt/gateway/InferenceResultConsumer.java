package io.metalprompt.gateway;

import java.nio.charset.StandardCharsets;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;

/**
 * Reads every result on {@code metal.inference-results} (each gateway instance in its own consumer group) and hands
 * the ones this instance waits for to {@link PendingReplies}, matched by the {@code REPLY_CORRELATION_ID} header.
 */
@ApplicationScoped
public class InferenceResultConsumer {

    private static final Logger LOG = Logger.getLogger(InferenceResultConsumer.class);

    @Inject
    PendingReplies pending;

    @Incoming(Channels.INFERENCE_RESULTS)
    public void onResult(ConsumerRecord<String, String> record) {
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
