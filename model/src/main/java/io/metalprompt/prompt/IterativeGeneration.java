package io.metalprompt.prompt;

import io.metalprompt.events.PromptDesign;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.tasks.TaskExample;

/**
 * Drives a {@link PromptGenerator} from examples to prompts: one batched pass for many example sets, or, for a set
 * larger than the context, consecutive passes that each read the previous prompt and the next chunk of examples.
 * Each call runs in its own {@code NDScope}; the prompts it returns own their arrays.
 */
final class IterativeGeneration {

    private IterativeGeneration() {
    }

    /** One prompt per example set, from one batched forward pass. */
    static List<GeneratedPrompt> generateAll(PromptGenerator pgm, List<List<TaskExample>> sets, LmTokenizer tokenizer) {
        List<long[]> xp = sets.stream().map(e -> PromptGenerator.xpTokens(e, tokenizer)).toList();
        try (NDScope scope = new NDScope(); NDManager m = pgm.base().manager().newSubManager()) {
            return toPrompts(pgm, pgm.forward(m, xp, null), tokenizer);
        }
    }

    /**
     * The examples cut into consecutive chunks that fit the context next to the previous prompt and the padding, and
     * hold at most the layout's examples per pass (when it sets one); each pass reads [previous pass's prompt ; chunk
     * and padding]. The result is the last pass's prompt, or with {@link PaddingLayout#passesKept} n > 1 the prompts of
     * the last n passes side by side ({@link #kept}). One pass when everything fits. A single example that does not
     * fit even alone is an error.
     */
    static GeneratedPrompt generateIterative(PromptGenerator pgm, List<TaskExample> examples, LmTokenizer tokenizer) {
        return generateChunkedAll(pgm, List.of(firstChunks(pgm, examples, tokenizer)), tokenizer).get(0);
    }

    /**
     * What a chain of passes leaves after {@code pass}: {@code kept} (the prompt so far, null before the first pass)
     * then {@code pass}'s prompt, cut to the last {@code passesKept x k} positions; {@code pass} alone when the layout
     * keeps one pass (the paper's iterative mode). The next pass reads {@code pass}, never the kept concatenation.
     */
    static PromptBatch kept(PromptGenerator pgm, PromptBatch kept, PromptBatch pass) {
        int passesKept = pgm.layout().passesKept();
        if (kept == null || passesKept == 1) {
            return pass;
        }
        return kept.then(pass).lastPositions(passesKept * pgm.k());
    }

    /**
     * {@link #generateIterative} for many example sets at once, as a burst of registrations needs: the sets that take
     * the same number of passes share each pass (pass i of every set in one batched forward, each reading its own
     * previous prompt), so B sets of P passes cost P batched passes instead of B x P single ones. Row for row the
     * result equals {@link #generateIterative} of each set (the rows are left-padded and masked, see
     * {@link PromptGenerator}). A set that cannot be cut into passes is an error for the whole call: check each with
     * {@link #passes} first.
     */
    static List<GeneratedPrompt> generateIterativeAll(PromptGenerator pgm, List<List<TaskExample>> sets,
                                                      LmTokenizer tokenizer) {
        return generateChunkedAll(pgm, sets.stream().map(s -> firstChunks(pgm, s, tokenizer)).toList(), tokenizer);
    }

    /** {@link #generateIterativeAll} of sets already cut into their passes' tokens ({@link #firstChunks}). */
    static List<GeneratedPrompt> generateChunkedAll(PromptGenerator pgm, List<List<long[]>> chunked,
                                                    LmTokenizer tokenizer) {
        Map<Integer, List<Integer>> byPasses = new java.util.TreeMap<>();
        for (int i = 0; i < chunked.size(); i++) {
            byPasses.computeIfAbsent(chunked.get(i).size(), n -> new ArrayList<>()).add(i);
        }
        GeneratedPrompt[] out = new GeneratedPrompt[chunked.size()];
        try {
            for (Map.Entry<Integer, List<Integer>> group : byPasses.entrySet()) {
                List<Integer> rows = group.getValue();
                try (NDScope scope = new NDScope(); NDManager m = pgm.base().manager().newSubManager()) {
                    PromptBatch previous = null;
                    PromptBatch result = null;
                    for (int pass = 0; pass < group.getKey(); pass++) {
                        int at = pass;
                        previous = pgm.forward(m, rows.stream().map(r -> chunked.get(r).get(at)).toList(), null, previous);
                        result = kept(pgm, result, previous);
                    }
                    List<GeneratedPrompt> prompts = toPrompts(pgm, result, tokenizer);
                    for (int j = 0; j < rows.size(); j++) {
                        out[rows.get(j)] = prompts.get(j);
                    }
                }
            }
        } catch (RuntimeException e) {
            for (GeneratedPrompt p : out) {
                if (p != null) {
                    p.close();
                }
            }
            throw e;
        }
        return List.of(out);
    }

    /** The passes {@link #generateIterative} makes over {@code examples}; an error saying why when it cannot. */
    static int passes(PromptGenerator pgm, List<TaskExample> examples, LmTokenizer tokenizer) {
        return firstChunks(pgm, examples, tokenizer).size();
    }

    /** The chunks of a set read from scratch (no previous prompt before the first). */
    static List<long[]> firstChunks(PromptGenerator pgm, List<TaskExample> examples, LmTokenizer tokenizer) {
        int positions = pgm.base().config().maxPositions();
        return chunks(examples, tokenizer, positions - pgm.k(), positions - 2 * pgm.k(), pgm.layout().examplesPerPass());
    }

    /**
     * The paper's iterative mode continued later: {@code previous} (a prompt this PGM's design made, e.g. a task's
     * served prompt) is read first, then {@code examples} in consecutive chunks as {@link #generateIterative} reads
     * its later chunks. The first new pass reads the previous prompt's last k positions (its last pass's prompt, when
     * it keeps several); the result is what {@link #kept} leaves after {@code previous} and the new passes, so
     * continuing a prompt equals generating it from all the examples when the chunks fall alike. {@code previous}
     * stays open (the caller's).
     */
    static GeneratedPrompt generateFrom(PromptGenerator pgm, GeneratedPrompt previous, List<TaskExample> examples,
                                        LmTokenizer tokenizer) {
        if (previous.design() != pgm.design() || previous.k() % pgm.k() != 0) {
            throw new IllegalArgumentException("the previous prompt is a " + previous.design() + " prompt of k="
                    + previous.k() + "; this PGM makes " + pgm.design() + " prompts of k=" + pgm.k()
                    + " per pass");
        }
        int positions = pgm.base().config().maxPositions();
        List<long[]> chunks = chunks(examples, tokenizer, positions - 2 * pgm.k(), positions - 2 * pgm.k(),
                pgm.layout().examplesPerPass());
        try (NDScope scope = new NDScope(); NDManager m = pgm.base().manager().newSubManager()) {
            PromptBatch result = asBatch(pgm, m, previous).lastPositions(pgm.layout().passesKept() * pgm.k());
            PromptBatch batch = result.lastPositions(pgm.k());
            for (long[] chunk : chunks) {
                batch = pgm.forward(m, List.of(chunk), null, batch);
                result = kept(pgm, result, batch);
            }
            return toPrompts(pgm, result, tokenizer).get(0);
        }
    }

    /** A stored prompt as the one-row batch a pass reads as its previous prompt. */
    private static PromptBatch asBatch(PromptGenerator pgm, NDManager m, GeneratedPrompt prompt) {
        return switch (prompt.design()) {
            case PREFIX -> new PromptBatch(prompt.design(), prompt.k(), null, null, prompt.prefix());
            case DISCRETE -> {
                NDArray ids = m.create(prompt.tokenIds(), new ai.djl.ndarray.types.Shape(1, prompt.k()));
                yield new PromptBatch(prompt.design(), prompt.k(), ids, pgm.base().embed(ids), null);
            }
            case WEIGHTED_SUM, HIDDEN_STATE -> new PromptBatch(prompt.design(), prompt.k(), prompt.tokenIds() == null ? null
                    : m.create(prompt.tokenIds(), new ai.djl.ndarray.types.Shape(1, prompt.k())), prompt.embeddings(), null);
        };
    }

    /**
     * The XP tokens of each pass: as many whole examples as fit {@code firstBudget} tokens (the first pass) or
     * {@code budget} (later passes, which also read the previous prompt), and at most {@code perPass} of them when it
     * is positive. At least one chunk, maybe empty.
     */
    static List<long[]> chunks(List<TaskExample> examples, LmTokenizer tokenizer, int firstBudget, int budget,
                               int perPass) {
        List<long[]> chunks = new ArrayList<>();
        int from = 0;
        while (from < examples.size() || chunks.isEmpty()) {
            int limit = chunks.isEmpty() ? firstBudget : budget;
            int to = from;
            long[] best = new long[0];
            while (to < examples.size() && (perPass <= 0 || to - from < perPass)) {
                long[] ids = PromptGenerator.xpTokens(examples.subList(from, to + 1), tokenizer);
                if (ids.length > limit) {
                    break;
                }
                best = ids;
                to++;
            }
            if (to == from && from < examples.size()) {
                throw new IllegalArgumentException("example " + from + " alone takes more than the " + limit
                        + " positions a pass leaves for examples");
            }
            chunks.add(best);
            from = to;
        }
        return chunks;
    }

    /** Copies each row of {@code batch} into its own {@link GeneratedPrompt} (outside any enclosing scope). */
    private static List<GeneratedPrompt> toPrompts(PromptGenerator pgm, PromptBatch batch, LmTokenizer tokenizer) {
        PromptDesign design = pgm.design();
        List<GeneratedPrompt> prompts = new ArrayList<>();
        try {
            for (int i = 0; i < batch.batchSize(); i++) {
                NDIndex row = new NDIndex("{}:{}", i, i + 1);
                long[] ids = batch.tokenIds() == null ? null : batch.tokenIds().get(row).toLongArray();
                String text = design == PromptDesign.DISCRETE ? tokenizer.decode(ids) : null;
                Map<String, NDArray> tensors = new LinkedHashMap<>();
                if (batch.embeddings() != null && design != PromptDesign.DISCRETE) {
                    tensors.put("embeddings", batch.embeddings().get(row));
                }
                if (batch.prefix() != null) {
                    for (int l = 0; l < batch.prefix().layers(); l++) {
                        tensors.put("keys." + l, batch.prefix().keys().get(l).get(row));
                        tensors.put("values." + l, batch.prefix().values().get(l).get(row));
                    }
                }
                prompts.add(GeneratedPrompt.of(pgm.base().manager(), design, batch.k(), ids, text, tensors));
            }
        } catch (RuntimeException e) {
            prompts.forEach(GeneratedPrompt::close);
            throw e;
        }
        return prompts;
    }
}
