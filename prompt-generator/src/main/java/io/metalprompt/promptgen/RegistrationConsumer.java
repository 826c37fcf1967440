package io.metalprompt.promptgen;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Outgoing;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.TaskEvent;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.Record;

/**
 * Thin messaging adapter: a registration in, its prompt event out (keyed by task id). The incoming offset is
 * committed only after the outgoing event is acknowledged by the broker, which happens after the prompt is
 * stored; a record that cannot be decoded is nacked and lands in {@code metal.task-registrations.dlq}. While Redis
 * cannot be reached the registration is tried again for up to a minute ({@link StoreRetry}) rather than dead-lettered.
 */
@ApplicationScoped
public class RegistrationConsumer {

    @Inject
    PromptTaskHandler handler;

    private final StoreRetry retry = new StoreRetry(Duration.ofSeconds(60), Duration.ofMillis(250),
            pause -> Thread.sleep(pause.toMillis()));

    @Incoming(Channels.TASK_REGISTRATIONS)
    @Outgoing(Channels.PROMPT_EVENTS)
    @Blocking
    public Record<String, String> onTaskEvent(String json) {
        TaskEvent event = EventCodec.decode(json, TaskEvent.class);
        return retry.call("handling task " + event.taskId(), () -> handler.handle(event))
                .map(e -> Record.of(e.taskId(), EventCodec.encodeToString(e)))
                .orElse(null);
    }
}
