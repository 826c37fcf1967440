package io.metalprompt.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.metalprompt.lm.BatchScorer;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.store.TaskRecord;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.text.IclFormat;
import io.metalprompt.worker.PrefixCache;

/**
 * Medians of the batch-of-32 cases: at the scorer behind the cached prompt ({@code promptPositions} long), with no
 * context and with the demonstrations in front; one 32-input request through the in-process engine and through the
 * gateway, with and without the demonstrations in the inputs.
 */
record Batch32(int promptPositions, double cachedMs, double noContextMs, double iclMs,
               double enginePromptMs, double engineIclMs, double gatewayPromptMs, double gatewayIclMs) {

    /**
     * Times the cases, interleaved run by run ({@code runs} after a few warm-up runs): the scorer's on the in-process
     * worker's serving thread, as the worker scores; {@code inputs} and {@code iclInputs} are 32 each.
     */
    static Batch32 measure(InProcessWorker worker, ServingPath gateway, LmTokenizer tokenizer, TaskRecord task,
                           List<TaskExample> train, List<String> inputs, List<String> iclInputs, int runs) {
        PrefixCache.Entry entry = worker.loader().load(task);
        try {
            List<long[]> options = Arrays.asList(entry.optionIds());
            List<BatchScorer.Query> cached = new ArrayList<>();
            List<BatchScorer.Query> none = new ArrayList<>();
            List<BatchScorer.Query> icl = new ArrayList<>();
            for (String x : inputs) {
                cached.add(new BatchScorer.Query(entry.prefix(), tokenizer.encode(IclFormat.queryText(x, true)), options));
                none.add(new BatchScorer.Query(null, tokenizer.encode(IclFormat.queryText(x, false)), options));
                icl.add(new BatchScorer.Query(null, tokenizer.encode(IclFormat.renderContext(train, x)), options));
            }
            BatchScorer scorer = worker.scorer();
            double[] model3 = Timing.interleavedMedians(runs, 5,
                    () -> worker.onServingThread(() -> scorer.score(cached)),
                    () -> worker.onServingThread(() -> scorer.score(none)),
                    () -> worker.onServingThread(() -> scorer.score(icl)));
            double[] engine2 = Timing.interleavedMedians(runs, 3, () -> call(worker, inputs), () -> call(worker, iclInputs));
            double[] gateway2 = Timing.interleavedMedians(runs, 3, () -> call(gateway, inputs), () -> call(gateway, iclInputs));
            ServingBench.log(String.format(java.util.Locale.ROOT,
                    "batch 32 at the scorer: cached prompt %.1f ms, no context %.1f ms, ICL %.1f ms",
                    model3[0], model3[1], model3[2]));
            return new Batch32((int) entry.prefix().length(), model3[0], model3[1], model3[2], engine2[0], engine2[1],
                    gateway2[0], gateway2[1]);
        } finally {
            entry.prefix().close();
        }
    }

    private static Object call(ServingPath path, List<String> inputs) {
        try {
            return path.predict(inputs);
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
