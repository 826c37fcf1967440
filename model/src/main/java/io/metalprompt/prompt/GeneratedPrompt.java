package io.metalprompt.prompt;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.lm.KvCache;

/**
 * One task's generated prompt, ready to serve; owns its arrays (close it). Per design:
 * DISCRETE: {@code tokenIds} (k vocabulary ids) and {@code text()}; WEIGHTED_SUM and HIDDEN_STATE:
 * {@code embeddings [1,k,d]} (WEIGHTED_SUM also keeps the argmax ids for reading); PREFIX: {@code prefix},
 * per layer keys/values {@code [1,K,k,hd]}.
 */
public final class GeneratedPrompt implements AutoCloseable {

    private final PromptDesign design;
    private final int k;
    private final long[] tokenIds;
    private final String text;
    private final NDArray embeddings;
    private final KvCache prefix;
    private final NDManager manager;

    private GeneratedPrompt(PromptDesign design, int k, long[] tokenIds, String text, NDArray embeddings,
                            KvCache prefix, NDManager manager) {
        this.design = design;
        this.k = k;
        this.tokenIds = tokenIds;
        this.text = text;
        this.embeddings = embeddings;
        this.prefix = prefix;
        this.manager = manager;
        boolean ok = switch (design) {
            case DISCRETE -> tokenIds != null && tokenIds.length == k;
            case WEIGHTED_SUM, HIDDEN_STATE -> embeddings != null && embeddings.getShape().dimension() == 3
                    && embeddings.getShape().get(0) == 1 && embeddings.getShape().get(1) == k;
            case PREFIX -> prefix != null && prefix.batchSize() == 1 && prefix.length() == k;
        };
        if (!ok) {
            manager.close();
            throw new IllegalArgumentException("a " + design + " prompt of k=" + k + " needs "
                    + switch (design) {
                        case DISCRETE -> "k token ids";
                        case WEIGHTED_SUM, HIDDEN_STATE -> "embeddings [1,k,d]";
                        case PREFIX -> "a single-row cache of k positions";
                    });
        }
    }

    /**
     * Builds a prompt from copies of {@code tensors} (names as {@link #tensors()} gives them) in a sub-manager
     * of {@code parent}; {@code tokenIds} and {@code text} may be null where the design has none.
     */
    public static GeneratedPrompt of(NDManager parent, PromptDesign design, int k, long[] tokenIds, String text,
                                     Map<String, NDArray> tensors) {
        NDManager m = parent.newSubManager();
        try {
            NDArray emb = null;
            KvCache cache = null;
            if (design == PromptDesign.WEIGHTED_SUM || design == PromptDesign.HIDDEN_STATE) {
                NDArray e = require(tensors, "embeddings");
                emb = copy(m, e);
            } else if (design == PromptDesign.PREFIX) {
                List<NDArray> keys = new ArrayList<>();
                List<NDArray> values = new ArrayList<>();
                for (int l = 0; tensors.containsKey("keys." + l); l++) {
                    keys.add(copy(m, tensors.get("keys." + l)));
                    values.add(copy(m, require(tensors, "values." + l)));
                }
                if (keys.isEmpty()) {
                    throw new IllegalArgumentException("a PREFIX prompt needs tensors keys.0, values.0, ...");
                }
                cache = new KvCache(keys, values, keep(m.ones(new Shape(1, keys.get(0).getShape().get(2)), DataType.INT64)));
            }
            return new GeneratedPrompt(design, k, tokenIds == null ? null : tokenIds.clone(), text, emb, cache, m);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    private static NDArray require(Map<String, NDArray> tensors, String name) {
        NDArray a = tensors.get(name);
        if (a == null) {
            throw new IllegalArgumentException("prompt tensor \"" + name + "\" is missing; have " + tensors.keySet());
        }
        return a;
    }

    private static NDArray copy(NDManager m, NDArray a) {
        try (NDArray f = a.toType(DataType.FLOAT32, true)) {
            return keep(m.create(f.toFloatArray(), a.getShape()));
        }
    }

    /** The prompt owns its arrays: take them out of any enclosing {@code NDScope}. */
    private static NDArray keep(NDArray a) {
        NDScope.unregister(a);
        return a;
    }

    public PromptDesign design() {
        return design;
    }

    public int k() {
        return k;
    }

    /** The k vocabulary ids (DISCRETE; WEIGHTED_SUM: argmax of each row's distribution), or null. */
    public long[] tokenIds() {
        return tokenIds == null ? null : tokenIds.clone();
    }

    /** The prompt as text (DISCRETE only): the decoded token ids. */
    public String text() {
        if (design != PromptDesign.DISCRETE) {
            throw new IllegalStateException("only DISCRETE prompts are text; this one is " + design);
        }
        return text;
    }

    /** {@code [1,k,d]} input embeddings (WEIGHTED_SUM, HIDDEN_STATE), else null. */
    public NDArray embeddings() {
        return embeddings;
    }

    /** Per-layer keys/values of the k positions (PREFIX), else null. */
    public KvCache prefix() {
        return prefix;
    }

    /** The tensors that define this prompt, by name: {@code embeddings}, or {@code keys.<l>}/{@code values.<l>}. */
    public Map<String, NDArray> tensors() {
        Map<String, NDArray> t = new LinkedHashMap<>();
        if (embeddings != null) {
            t.put("embeddings", embeddings);
        }
        if (prefix != null) {
            for (int l = 0; l < prefix.layers(); l++) {
                t.put("keys." + l, prefix.keys().get(l));
                t.put("values." + l, prefix.values().get(l));
            }
        }
        return t;
    }

    @Override
    public void close() {
        manager.close();
    }
}
