package io.metalprompt.gateway;

import org.apache.kafka.common.serialization.Serializer;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.InferenceRequest;

/** Kafka serializer writing an {@link InferenceRequest} as the EventCodec JSON every reader expects. */
public class InferenceRequestSerializer implements Serializer<InferenceRequest> {
    @Override
    public byte[] serialize(String topic, InferenceRequest data) {
        return data == null ? null : EventCodec.encode(data);
    }
}
