package io.metalprompt.eval;

import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.metalprompt.lm.ForwardInput;
import io.metalprompt.lm.ForwardOutput;
import io.metalprompt.lm.KvCache;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.prompt.TaskConditioner;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.text.IclFormat;

/** The baseline methods: nothing in front (zero-shot) and the k demonstrations in front (in-context learning). */
public final class Conditioners {

    /** Positions an ICL prefix leaves free for the query and its answer (the longest development query is 11 words). */
    public static final int QUERY_RESERVE = 24;

    private Conditioners() {
    }

    public static TaskConditioner zeroShot() {
        return new TaskConditioner() {
            @Override
            public KvCache condition(List<TaskExample> examples) {
                return null;
            }

            @Override
            public String name() {
                return "zero-shot";
            }
        };
    }

    /**
     * The examples rendered as demonstrations, run once through the model; their keys/values are the prefix. When
     * they do not all fit in front of a query of {@code reserve} positions, as many as fit are kept, in order (the
     * smaller k-shot sets begin the larger ones, so k = 64 keeps at least the 16-shot set).
     */
    public static TaskConditioner icl(LanguageModel model, LmTokenizer tokenizer, int reserve) {
        return new TaskConditioner() {
            private long stored;

            @Override
            public KvCache condition(List<TaskExample> examples) {
                List<TaskExample> kept = fitting(model, tokenizer, examples, reserve);
                stored = IclFormat.renderDemonstrations(kept).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
                return demonstrations(model, tokenizer, kept);
            }

            @Override
            public String name() {
                return "icl";
            }

            @Override
            public long lastStoredBytes() {
                return stored;   // the demonstrations' text, sent or stored with every task
            }
        };
    }

    /** The longest beginning of {@code examples} whose demonstrations leave {@code reserve} positions free. */
    public static List<TaskExample> fitting(LanguageModel model, LmTokenizer tokenizer, List<TaskExample> examples,
                                            int reserve) {
        int budget = model.config().maxPositions() - reserve;
        int n = examples.size();
        while (n > 0 && tokenizer.encode(IclFormat.renderDemonstrations(examples.subList(0, n))).length > budget) {
            n--;
        }
        return examples.subList(0, n);
    }

    /** Keys/values of {@code examples} rendered as demonstrations ({@code [1, P]}), in the model's manager. */
    public static KvCache demonstrations(LanguageModel model, LmTokenizer tokenizer, List<TaskExample> examples) {
        long[] ids = tokenizer.encode(IclFormat.renderDemonstrations(examples));
        if (ids.length >= model.config().maxPositions()) {
            throw new IllegalArgumentException(examples.size() + " demonstrations take " + ids.length
                    + " tokens; the model reads at most " + model.config().maxPositions());
        }
        try (NDScope scope = new NDScope(); NDManager m = model.manager().newSubManager()) {
            NDArray tokens = m.create(ids, new Shape(1, ids.length));
            ForwardOutput out = model.forward(ForwardInput.builder().setTokens(tokens, null).build());
            KvCache cache = out.cache();
            // keep only the cache (closing it frees it); the rest of this pass goes with the scope
            NDScope.unregister(cache.toNDList());
            cache.toNDList().attach(model.manager());
            return cache;
        }
    }
}
