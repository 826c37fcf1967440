package io.metalprompt.promptgen;

import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

import io.metalprompt.lm.LanguageModel;
import io.metalprompt.store.RedisConnector;
import io.metalprompt.store.RolloutStore;
import io.metalprompt.store.ServedDesigns;
import io.metalprompt.store.TaskIndex;
import io.metalprompt.store.TaskPrompts;
import io.metalprompt.store.TaskStore;

/**
 * Wires model versions: the version record in Redis, the {@link ModelUpdater} that loads published versions, the
 * {@link PromptRollout} that one background thread runs every {@code metal.rollout.poll}, and on the same beat the
 * {@link DesignsRecorder} that tells the gateway which designs are served.
 */
@ApplicationScoped
public class RolloutBeans {

    private static final Logger LOG = Logger.getLogger(RolloutBeans.class);

    @Inject
    PromptGeneratorConfig config;

    private ScheduledExecutorService executor;

    @Produces
    @ApplicationScoped
    RolloutStore rolloutStore(RedisConnector redis) {
        return new RolloutStore(redis);
    }

    @Produces
    @ApplicationScoped
    DesignsRecorder designs(RedisConnector redis, PgmPromptFactory factory) {
        return new DesignsRecorder(new ServedDesigns(redis), factory::designs);
    }

    @Produces
    @ApplicationScoped
    ModelUpdater updater(RolloutStore rollouts, PgmPromptFactory factory, LanguageModel base) {
        return new ModelUpdater(rollouts, factory, base, base.fingerprint(), Clock.systemUTC());
    }

    @Produces
    @ApplicationScoped
    PromptRollout rollout(TaskStore tasks, TaskIndex index, TaskPrompts prompts, RolloutStore rollouts,
                          ModelUpdater models, PromptFactory factory, LanguageModel base) {
        PromptGeneratorConfig.Rollout r = config.rollout();
        return new PromptRollout(tasks, index, prompts, rollouts, models, factory, base.fingerprint(),
                "prompt-generator-" + UUID.randomUUID(), new PromptRollout.Settings(r.tasksPerSecond(), r.pageSize(),
                r.lease()), Thread::sleep, Clock.systemUTC());
    }

    void start(@Observes StartupEvent started, PromptRollout rollout, DesignsRecorder designs) {
        designs.record();
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "prompt-rollout");
            t.setDaemon(true);
            return t;
        });
        long poll = config.rollout().poll().toMillis();
        executor.scheduleWithFixedDelay(() -> {
            try {
                designs.record();   // a version loaded meanwhile may serve another design
                rollout.runOnce();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.warnf("rollout round failed (tried again in %d ms): %s", poll, e.getMessage());
            }
        }, poll, poll, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent stopping) throws InterruptedException {
        if (executor != null) {
            executor.shutdownNow();
            executor.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
