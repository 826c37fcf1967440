package io.metalprompt.promptgen;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.ModelPublished;
import io.smallrye.common.annotation.Blocking;

/**
 * Thin messaging adapter: every {@link ModelPublished} on {@code metal.model-events} goes to the
 * {@link ModelUpdater}. Each replica reads the whole compacted topic in a consumer group of its own, so every
 * replica sees every event; a record that cannot be decoded is nacked and lands in {@code metal.model-events.dlq};
 * a tombstone (null value) is skipped.
 */
@ApplicationScoped
public class ModelEventConsumer {

    @Inject
    ModelUpdater updater;

    @Incoming(Channels.MODEL_EVENTS)
    @Blocking
    public void onModelEvent(String json) {
        if (json != null) {
            updater.onModelPublished(EventCodec.decode(json, ModelPublished.class));
        }
    }
}
