package io.metalprompt.bench;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.metalprompt.events.Events;
import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.Prediction;
import io.metalprompt.lm.BatchScorer;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.store.TaskPrompts;
import io.metalprompt.store.TaskStore;
import io.metalprompt.worker.ArtifactPrefixLoader;
import io.metalprompt.worker.InferenceEngine;
import io.metalprompt.worker.PrefixCache;
import io.metalprompt.worker.ServingMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The inference-worker's serving code in this JVM, without Kafka: its {@link InferenceEngine} (prefix cache, batched
 * forward passes, built with the worker's settings, {@link WorkerSettings}) serves the requests of one serving thread,
 * which takes whatever requests wait, up to the worker's {@code max.poll.records}, as one batch — what one poll hands
 * the worker — and records each batch with the worker's own {@link ServingMetrics}, so the in-process columns come from
 * the same meters as the served ones ({@link MetricSums}).
 */
final class InProcessWorker implements ServingPath, AutoCloseable {

    /** A request to serve, or a task to run on the serving thread between batches. */
    private record Job(InferenceRequest request, CompletableFuture<Object> done, Supplier<?> task) {
    }

    private final WorkerSettings settings;
    private final InferenceEngine engine;
    private final ArtifactPrefixLoader loader;
    private final BatchScorer scorer;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ServingMetrics metrics = new ServingMetrics(registry);
    private final BlockingQueue<Job> queue = new ArrayBlockingQueue<>(4096);
    private final String taskId;
    private final String tenant;
    private final Thread thread;
    private volatile boolean running = true;

    /** Serves task {@code taskId} of {@code tenant} from {@code store} and {@code prompts}, as the worker would. */
    InProcessWorker(WorkerSettings settings, LanguageModel model, LmTokenizer tokenizer, TaskStore store,
                    TaskPrompts prompts, String taskId, String tenant) {
        this.settings = settings;
        this.loader = new ArtifactPrefixLoader(store, prompts, model, tokenizer);
        this.scorer = new BatchScorer(model);
        this.engine = new InferenceEngine(store, new PrefixCache(settings.cacheBytes()), loader, scorer, tokenizer,
                model.config().maxPositions(), settings.maxRows(), Clock.systemUTC());
        this.taskId = taskId;
        this.tenant = tenant;
        this.thread = new Thread(this::serveWhileRunning, "in-process-worker");
        this.thread.start();
    }

    WorkerSettings settings() {
        return settings;
    }

    /** Builds a task's prefix from its stored prompt, as the engine does on a cache miss. */
    ArtifactPrefixLoader loader() {
        return loader;
    }

    /** The scorer the engine scores with. */
    BatchScorer scorer() {
        return scorer;
    }

    /** The worker's batch metrics so far ({@code metal_worker_batch_*}). */
    MetricSums metrics() {
        return MetricSums.of(registry);
    }

    @Override
    public List<String> predict(List<String> inputs) throws InterruptedException, ExecutionException {
        CompletableFuture<Object> done = new CompletableFuture<>();
        queue.put(new Job(new InferenceRequest(Events.SCHEMA_VERSION, UUID.randomUUID().toString(), taskId, tenant,
                inputs, 0), done, null));
        InferenceResult r = (InferenceResult) done.get();
        if (r.status() != InferenceResult.Status.OK) {
            throw new IllegalStateException("in-process engine: " + r.status() + " " + r.error());
        }
        return r.predictions().stream().map(Prediction::choice).toList();
    }

    /**
     * Runs {@code task} on the serving thread, between batches (no predictions may be pending): direct model calls
     * then run on the same thread as the engine's, with the same PyTorch thread state.
     */
    <T> T onServingThread(Supplier<T> task) {
        CompletableFuture<Object> done = new CompletableFuture<>();
        try {
            queue.put(new Job(null, done, task));
            @SuppressWarnings("unchecked")
            T result = (T) done.get();
            return result;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        }
    }

    private void serveWhileRunning() {
        while (running) {
            Job first;
            try {
                first = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (first == null) {
                continue;
            }
            if (first.task() != null) {
                runTask(first);
                continue;
            }
            List<Job> batch = new ArrayList<>(List.of(first));
            while (batch.size() < settings.maxBatch() && queue.peek() != null && queue.peek().task() == null) {
                batch.add(queue.poll());
            }
            serve(batch);
        }
    }

    private static void runTask(Job job) {
        try {
            job.done().complete(job.task().get());
        } catch (RuntimeException e) {
            job.done().completeExceptionally(e);
        }
    }

    /** One batch through the engine, timed and counted by the worker's metrics as the worker's consumer does. */
    private void serve(List<Job> batch) {
        List<InferenceRequest> requests = batch.stream().map(Job::request).toList();
        try {
            long t0 = System.nanoTime();
            List<InferenceResult> results = engine.serve(requests);
            metrics.served(requests, results, System.nanoTime() - t0);
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).done().complete(results.get(i));
            }
        } catch (RuntimeException e) {
            batch.forEach(j -> j.done().completeExceptionally(e));
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join();
        registry.close();
    }
}
