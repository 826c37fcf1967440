package io.metalprompt.gateway;

import java.nio.charset.StandardCharsets;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Message;

import io.metalprompt.events.InferenceRequest;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.reply.CorrelationId;
import io.smallrye.reactive.messaging.kafka.reply.CorrelationIdHandler;
import io.smallrye.reactive.messaging.kafka.reply.StringCorrelationId;

/**
 * The correlation id of an inference request is its body's {@code requestId}, sent as the UTF-8 bytes of the
 * {@code REPLY_CORRELATION_ID} header: the header and the body always agree, and internal producers that
 * only read bodies can still correlate.
 */
@ApplicationScoped
@Identifier(Channels.REQUEST_ID_CORRELATION)
public class RequestIdCorrelation implements CorrelationIdHandler {

    @Override
    public CorrelationId generate(Message<?> request) {
        if (request.getPayload() instanceof InferenceRequest r) {
            return new StringCorrelationId(r.requestId());
        }
        throw new IllegalArgumentException("expected an InferenceRequest, got "
                + (request.getPayload() == null ? "null" : request.getPayload().getClass().getName()));
    }

    @Override
    public CorrelationId parse(byte[] header) {
        return new StringCorrelationId(new String(header, StandardCharsets.UTF_8));
    }
}
