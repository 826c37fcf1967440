package io.metalprompt.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.metalprompt.events.Events;
import io.metalprompt.events.TaskIds;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.prompt.PromptArtifact;
import io.metalprompt.store.PromptVersion;
import io.metalprompt.store.RedisConnector;
import io.metalprompt.store.TaskPrompts;
import io.metalprompt.store.TaskRecord;
import io.metalprompt.store.TaskStore;
import io.metalprompt.tasks.TaskExample;

/**
 * The scale bench's ready tasks, grown step by step; task i is registered with example set {@code i % sets}.
 * Up to {@code gatewayMax} tasks are registered through the gateway as a client would (a burst, ready when each task's
 * prompt event is on {@code metal.prompt-events}, {@link RegistrationBurstBench#burst}). The tasks beyond are
 * <em>seeded</em>: written through the project's own {@link TaskStore} and {@link TaskPrompts} with the calls the
 * gateway and the prompt-generator make for a registration ({@code register}, {@code storeReady},
 * {@code saveVersion}), each carrying the registration and the prompt artifact the prompt-generator made for the first
 * gateway task with the same examples
 * (the PGM is deterministic: a new pass over the same examples gives the same prompt, checked on the gateway tasks
 * that share examples). No Kafka record is written for them, which only the prompt-generator would read.
 * {@link #checkSeeded} compares their predictions with their template's.
 */
final class ScaleTasks {

    private static final int SEEDING_THREADS = 4;

    private final GatewayClient gateway;
    private final PromptEventClock events;
    private final RedisConnector redis;
    private final TaskStore store;
    private final TaskPrompts prompts;
    private final List<List<TaskExample>> sets;
    private final int gatewayMax;
    private final List<String> ids = new ArrayList<>();
    private int viaGateway;
    private double gatewaySeconds;
    private int viaStore;
    private double storeSeconds;

    ScaleTasks(GatewayClient gateway, PromptEventClock events, String redisUrl, List<List<TaskExample>> sets,
               int gatewayMax) {
        if (gatewayMax < sets.size()) {
            throw new IllegalArgumentException("--gateway-tasks must be at least " + sets.size()
                    + ": the seeded tasks copy a gateway task of each example set");
        }
        this.gateway = gateway;
        this.events = events;
        this.redis = new RedisConnector(redisUrl, Duration.ofSeconds(5));
        this.store = new TaskStore(redis);
        this.prompts = new TaskPrompts(redis);
        this.sets = sets;
        this.gatewayMax = gatewayMax;
    }

    int size() {
        return ids.size();
    }

    String id(int i) {
        return ids.get(i);
    }

    /** The index of task i's example set. */
    int set(int i) {
        return i % sets.size();
    }

    /** The ready tasks, first to last. */
    List<String> ids() {
        return List.copyOf(ids);
    }

    int viaGateway() {
        return viaGateway;
    }

    double gatewaySeconds() {
        return gatewaySeconds;
    }

    int viaStore() {
        return viaStore;
    }

    double storeSeconds() {
        return storeSeconds;
    }

    /** The PGM version of the first task's prompt. */
    String pgmVersion() {
        return store.find(ids.get(0)).map(TaskRecord::pgmVersion).orElse("?");
    }

    /** Makes {@code n} tasks ready: through the gateway up to its bound, seeded through the store beyond. */
    void growTo(int n) throws Exception {
        int registering = Math.min(n, gatewayMax) - ids.size();
        if (registering > 0) {
            register(registering);
        }
        if (n > ids.size()) {
            seed(n - ids.size());
        }
    }

    private void register(int n) throws Exception {
        List<List<TaskExample>> rotated = new ArrayList<>(sets);
        Collections.rotate(rotated, -(ids.size() % sets.size()));   // registration j gets set (size + j) % sets
        String[] made = new String[n];
        ServingBench.log("registering " + n + " tasks through the gateway");
        long t0 = System.nanoTime();
        RegistrationBurstBench.Cell burst = RegistrationBurstBench.burst(gateway, events, n, Math.min(32, n), rotated,
                Duration.ofMinutes(15), made);
        if (burst.failed() > 0) {
            throw new IllegalStateException(burst.failed() + " of " + n + " registrations failed");
        }
        gatewaySeconds += (System.nanoTime() - t0) / 1e9;
        viaGateway += n;
        Collections.addAll(ids, made);
        ServingBench.log(String.format(java.util.Locale.ROOT, "%d tasks ready through the gateway in %.1f s", n,
                (System.nanoTime() - t0) / 1e9));
    }

    private void seed(int n) throws Exception {
        List<TaskRegistered> registrations = new ArrayList<>();
        List<TaskRecord> records = new ArrayList<>();
        List<byte[]> artifacts = new ArrayList<>();
        for (int s = 0; s < sets.size(); s++) {
            String template = ids.get(s);
            TaskRecord record = store.find(template).filter(TaskRecord::ready)
                    .orElseThrow(() -> new IllegalStateException("template task " + template + " is not ready"));
            records.add(record);
            artifacts.add(prompts.artifactFor(record).orElseThrow());
            registrations.add(store.registration(template).orElseThrow());
            if (s + sets.size() < viaGateway) {
                requireSamePrompt(artifacts.get(s), ids.get(s + sets.size()));
            }
        }
        ServingBench.log("seeding " + n + " tasks through the store (" + SEEDING_THREADS + " threads)");
        long t0 = System.nanoTime();
        int first = ids.size();
        String[] made = new String[n];
        ExecutorService pool = Executors.newFixedThreadPool(SEEDING_THREADS);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int j = 0; j < n; j++) {
                int at = j;
                int s = set(first + j);
                done.add(pool.submit(() -> {
                    made[at] = seedOne(registrations.get(s), records.get(s), artifacts.get(s));
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        storeSeconds += (System.nanoTime() - t0) / 1e9;
        viaStore += n;
        Collections.addAll(ids, made);
        ServingBench.log(String.format(java.util.Locale.ROOT, "%d tasks seeded in %.1f s", n, (System.nanoTime() - t0) / 1e9));
    }

    /**
     * The prompt-generator made the same prompt (every tensor, value for value) for {@code other}, a second gateway task
     * with the same examples, as {@code artifact}: what copying an artifact to a seeded task rests on.
     */
    private void requireSamePrompt(byte[] artifact, String other) {
        Map<String, PromptArtifact.Tensor> a = PromptArtifact.fromBytes(artifact).tensors();
        Map<String, PromptArtifact.Tensor> b = PromptArtifact.fromBytes(
                prompts.artifactFor(store.find(other).orElseThrow()).orElseThrow()).tensors();
        boolean same = a.keySet().equals(b.keySet()) && a.keySet().stream().allMatch(
                k -> Arrays.equals(a.get(k).shape(), b.get(k).shape()) && Arrays.equals(a.get(k).data(), b.get(k).data()));
        if (!same) {
            throw new IllegalStateException("the prompt-generator made different prompts for the same examples (task "
                    + other + "): a copied artifact would not be what it makes; seed differently");
        }
    }

    /** What a registration through the gateway and its generation write, for a new task with the template's examples. */
    private String seedOne(TaskRegistered template, TaskRecord record, byte[] artifact) {
        String id = TaskIds.next();
        Instant now = Instant.now();
        TaskRegistered task = new TaskRegistered(Events.SCHEMA_VERSION, id, template.tenant(), template.examples(),
                template.options(), template.design(), template.demonstrations(), now);
        if (!store.register(task, Integer.MAX_VALUE)
                || !prompts.storeReady(id, record.pgmVersion(), record.k(), record.promptText(), artifact)) {
            throw new IllegalStateException("seeding task " + id + " failed");
        }
        prompts.saveVersion(id, new PromptVersion(1, PromptVersion.GENERATED, task.examples().size(), record.pgmVersion(),
                now, null, null), null);
        return id;
    }

    /**
     * A seeded task of each example set must be served as the gateway task it copies: the same predictions for
     * {@code inputs.get(set)}'s first 16 inputs through the gateway.
     */
    void checkSeeded(List<List<String>> inputs) throws Exception {
        if (viaStore == 0) {
            return;
        }
        int firstSeeded = ids.size() - viaStore;
        for (int i = firstSeeded; i < Math.min(ids.size(), firstSeeded + sets.size()); i++) {
            List<String> some = inputs.get(set(i)).subList(0, 16);
            List<String> seeded = gateway.predict(ids.get(i), some);
            List<String> template = gateway.predict(ids.get(set(i)), some);
            if (!seeded.equals(template)) {
                throw new IllegalStateException("seeded task " + ids.get(i) + " answers " + seeded + ", its template "
                        + ids.get(set(i)) + " " + template);
            }
        }
        ServingBench.log("seeded tasks answer as the gateway tasks they copy (16 inputs of each example set)");
    }

    void close() {
        redis.close();
    }
}
