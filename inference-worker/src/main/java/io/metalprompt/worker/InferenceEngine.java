package io.metalprompt.worker;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jboss.logging.Logger;

import io.metalprompt.events.Events;
import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult.Status;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.Prediction;
import io.metalprompt.lm.BatchScorer;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.store.TaskRecord;
import io.metalprompt.store.TaskStore;
import io.metalprompt.text.IclFormat;

/**
 * Serves a batch of inference requests, of any tasks, without a broker: each task's prefix comes from the
 * {@link PrefixCache} (built once from its stored prompt), every input of every request is scored against its
 * task's options in shared forward passes ({@link BatchScorer}, at most {@code maxRows} rows each), and every
 * request gets exactly one result — OK, or a status with a reason. The query text is built exactly as the
 * evaluation builds it, so the served path is the evaluated path.
 */
public class InferenceEngine {

    private static final Logger LOG = Logger.getLogger(InferenceEngine.class);

    /** Turns a task's stored prompt into its cached prefix. */
    public interface PrefixLoader {
        PrefixCache.Entry load(TaskRecord task);
    }

    private final TaskStore store;
    private final PrefixCache cache;
    private final PrefixLoader loader;
    private final BatchScorer scorer;
    private final LmTokenizer tokenizer;
    private final int maxPositions;
    private final int maxRows;
    private final Clock clock;
    private final ReplyBudget budget;

    /** An engine whose results are not bounded in size (as the benchmarks run it in-process). */
    public InferenceEngine(TaskStore store, PrefixCache cache, PrefixLoader loader, BatchScorer scorer,
                           LmTokenizer tokenizer, int maxPositions, int maxRows, Clock clock) {
        this(store, cache, loader, scorer, tokenizer, maxPositions, maxRows, clock, new ReplyBudget(Integer.MAX_VALUE));
    }

    /** {@code budget}: a request whose result would exceed it is answered INVALID before any scoring. */
    public InferenceEngine(TaskStore store, PrefixCache cache, PrefixLoader loader, BatchScorer scorer,
                           LmTokenizer tokenizer, int maxPositions, int maxRows, Clock clock, ReplyBudget budget) {
        this.budget = budget;
        this.store = store;
        this.cache = cache;
        this.loader = loader;
        this.scorer = scorer;
        this.tokenizer = tokenizer;
        this.maxPositions = maxPositions;
        this.maxRows = maxRows;
        this.clock = clock;
    }

    /** One query to score: which request and input it answers, and its scorer query. */
    private record Pending(int request, int input, BatchScorer.Query query, List<String> options) {
    }

    /**
     * The positions the LM reads to answer one input: the task's prefix (prompt and demonstrations) and the input once
     * per option row, and each option: what usage metering counts as tokens read ({@code docs/api.md}, "Usage").
     */
    static long positionsRead(long prefix, long input, List<long[]> options) {
        long read = 0;
        for (long[] option : options) {
            read += prefix + input + option.length;
        }
        return read;
    }

    /** One result per request, in order. */
    public List<InferenceResult> serve(List<InferenceRequest> requests) {
        InferenceResult[] results = new InferenceResult[requests.size()];
        Map<Integer, String> versions = new LinkedHashMap<>();
        Map<Integer, Long> read = new LinkedHashMap<>();
        Map<Integer, Integer> promptVersions = new LinkedHashMap<>();
        List<Pending> pending = new ArrayList<>();
        // each task of the batch is read from Redis once: under load a batch holds many requests of the same tasks
        Map<String, Optional<TaskRecord>> tasks = new java.util.HashMap<>();
        try {
            for (int r = 0; r < requests.size(); r++) {
                InferenceRequest req = requests.get(r);
                try {
                    Optional<InferenceResult> refusal = prepare(r, req, tasks, pending, versions, read,
                            promptVersions);
                    if (refusal.isPresent()) {
                        results[r] = refusal.get();
                    }
                } catch (RuntimeException e) {
                    LOG.errorf(e, "request %s of task %s failed", req.requestId(), req.taskId());
                    results[r] = failure(req, Status.FAILED, "the worker could not serve this task: " + e.getMessage());
                }
            }
            double[][] scores;
            try {
                scores = scoreAll(pending);
            } catch (RuntimeException e) {
                LOG.errorf(e, "scoring a batch of %d queries failed", pending.size());
                for (Pending p : pending) {
                    results[p.request()] = failure(requests.get(p.request()), Status.FAILED,
                            "the model failed on this batch: " + e.getMessage());
                }
                return List.of(results);
            }
            Map<Integer, List<Prediction>> predictions = new LinkedHashMap<>();
            for (int i = 0; i < pending.size(); i++) {
                Pending p = pending.get(i);
                Map<String, Double> byOption = new LinkedHashMap<>();
                int best = 0;
                for (int o = 0; o < p.options().size(); o++) {
                    byOption.put(p.options().get(o), scores[i][o]);
                    if (scores[i][o] > scores[i][best]) {
                        best = o;
                    }
                }
                predictions.computeIfAbsent(p.request(), k -> new ArrayList<>())
                        .add(new Prediction(p.options().get(best), byOption, null));
            }
            predictions.forEach((r, preds) -> results[r] = new InferenceResult(Events.SCHEMA_VERSION,
                    requests.get(r).requestId(), requests.get(r).taskId(), Status.OK, preds, null, versions.get(r),
                    clock.millis(), read.getOrDefault(r, 0L), promptVersions.getOrDefault(r, 0)));
            return List.of(results);
        } finally {
            cache.releaseEvicted();
        }
    }

    /** Queues a request's inputs, or returns the result that refuses it. */
    private Optional<InferenceResult> prepare(int r, InferenceRequest req, Map<String, Optional<TaskRecord>> tasks,
                                              List<Pending> pending,
                                              Map<Integer, String> versions, Map<Integer, Long> read,
                                              Map<Integer, Integer> promptVersions) {
        if (req.deadlineEpochMillis() > 0 && clock.millis() > req.deadlineEpochMillis()) {
            return Optional.of(failure(req, Status.FAILED, "the request's deadline passed before a worker reached it"));
        }
        Optional<TaskRecord> found = tasks.computeIfAbsent(req.taskId(), store::find)
                .filter(t -> req.tenant().equals(t.tenant()));
        if (found.isEmpty()) {
            return Optional.of(failure(req, Status.NOT_FOUND, "task " + req.taskId() + " does not exist"));
        }
        TaskRecord task = found.get();
        if (!task.ready()) {
            return Optional.of(failure(req, Status.NOT_READY, "task " + req.taskId() + " is " + task.status()
                    + (task.reason() != null ? ": " + task.reason() : "")));
        }
        if (task.options().isEmpty()) {
            return Optional.of(failure(req, Status.INVALID, "task " + req.taskId()
                    + " has no options; this worker serves classification tasks"));
        }
        Optional<String> tooLarge = budget.refusal(req.inputs().size(), task.options());
        if (tooLarge.isPresent()) {
            return Optional.of(failure(req, Status.INVALID, tooLarge.get()));
        }
        // keyed by the prompt version too: a task moved to its next version is served from that one's prefix at once
        PrefixCache.Entry entry = cache.get(new PrefixCache.Key(task.taskId(), task.pgmVersion(), task.servedVersion()),
                k -> loader.load(task));
        int longestOption = 0;
        List<long[]> optionIds = List.of(entry.optionIds());
        for (long[] o : optionIds) {
            longestOption = Math.max(longestOption, o.length);
        }
        List<Pending> mine = new ArrayList<>();
        long positions = 0;
        for (int i = 0; i < req.inputs().size(); i++) {
            long[] ids = tokenizer.encode(IclFormat.queryText(req.inputs().get(i), true));
            long prompt = entry.prefix().length();
            long needed = (long) ids.length + longestOption;
            if (prompt + needed > maxPositions) {
                return Optional.of(failure(req, Status.INVALID, "input " + i + " is too long: it needs " + needed
                        + " positions (its text and the longest option); the model reads " + Math.max(0, maxPositions - prompt)
                        + " after this task's " + prompt + "-position prompt (" + maxPositions + " in all)"));
            }
            mine.add(new Pending(r, i, new BatchScorer.Query(entry.prefix(), ids, optionIds), task.options()));
            positions += positionsRead(prompt, ids.length, optionIds);
        }
        pending.addAll(mine);
        versions.put(r, task.pgmVersion());
        read.put(r, positions);
        promptVersions.put(r, task.servedVersion());
        return Optional.empty();
    }

    /** Scores in chunks of at most {@code maxRows} (query, option) rows. */
    private double[][] scoreAll(List<Pending> pending) {
        double[][] out = new double[pending.size()][];
        int from = 0;
        while (from < pending.size()) {
            int rows = 0;
            int to = from;
            while (to < pending.size() && (to == from || rows + pending.get(to).options().size() <= maxRows)) {
                rows += pending.get(to).options().size();
                to++;
            }
            double[][] chunk = scorer.score(pending.subList(from, to).stream().map(Pending::query).toList());
            System.arraycopy(chunk, 0, out, from, chunk.length);
            from = to;
        }
        return out;
    }

    private InferenceResult failure(InferenceRequest req, Status status, String error) {
        return new InferenceResult(Events.SCHEMA_VERSION, req.requestId(), req.taskId(), status, List.of(), error, null,
                clock.millis());
    }
}
