package io.metalprompt.prompt;

import io.metalprompt.events.PromptDesign;
import java.util.ArrayList;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.metalprompt.lm.ForwardOutput;
import io.metalprompt.lm.KvCache;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.Scalars;

/**
 * The PGM's read-out: the prompt at its k padding positions, per {@link PromptDesign}. DISCRETE = argmax tokens
 * (Gumbel-softmax straight-through while training); WEIGHTED_SUM = softmax x word embeddings; HIDDEN_STATE = final
 * hidden states, each rescaled to the norm of a word embedding; PREFIX = each layer's keys and values.
 *
 * <p>Why HIDDEN_STATE rows are rescaled: the final hidden state is the output of the last layer norm, whose norm is
 * about {@code sqrt(d) x |gain|} (18 on the shipped base LM) against about 1.5 for a word embedding. Rows that large
 * swamp the position embeddings and everything the frozen LM reads after them: with 4 demonstrations behind such a
 * prompt the development tasks scored 0.300 macro-F1, below the 4 demonstrations alone (0.569); rescaled, 0.624
 * (docs/results.md, "Input-embedding designs").
 */
final class ReadOut {

    private ReadOut() {
    }

    /** The prompt at each row's padding slots {@code at [B,k,1]}, per design. */
    static PromptBatch at(PromptDesign design, LanguageModel base, NDManager m, ForwardOutput out, NDArray at, int len,
            PromptGenerator.Gumbel gumbel, float embeddingNorm) {
        int k = (int) at.getShape().get(1);
        return switch (design) {
            case DISCRETE -> discrete(base, m, rowsAt(out.logits(), at), gumbel);
            case WEIGHTED_SUM -> weightedSum(base, rowsAt(out.logits(), at), k);
            case HIDDEN_STATE -> new PromptBatch(design, k, null,
                    toNorm(rowsAt(out.finalHidden(), at), embeddingNorm), null);
            case PREFIX -> {
                NDArray kvAt = at.add(out.cache().length() - len);                             // after any past
                List<NDArray> keys = new ArrayList<>();
                List<NDArray> values = new ArrayList<>();
                for (int l = 0; l < out.cache().layers(); l++) {
                    keys.add(kvRowsAt(out.cache().keys().get(l), kvAt));                      // [B,K,k,hd]
                    values.add(kvRowsAt(out.cache().values().get(l), kvAt));
                }
                long b = at.getShape().get(0);
                yield new PromptBatch(design, k, null, null,
                        new KvCache(keys, values, m.ones(new Shape(b, k), DataType.INT64)));
            }
        };
    }

    /** Each row of {@code rows [B,k,d]} rescaled to L2 norm {@code norm} (its direction kept). */
    static NDArray toNorm(NDArray rows, float norm) {
        return rows.div(rows.norm(new int[] {2}, true).add(1e-6f)).mul(norm);               // [B,k,d]
    }

    /** {@code a [B,L,X]} at each row's own slots {@code at [B,k,1]}: {@code [B,k,X]}. */
    private static NDArray rowsAt(NDArray a, NDArray at) {
        return a.gather(at.repeat(2, a.getShape().get(2)), 1);
    }

    /** Keys or values {@code a [B,K,S,hd]} at each row's own slots {@code at [B,k,1]}: {@code [B,K,k,hd]}. */
    private static NDArray kvRowsAt(NDArray a, NDArray at) {
        Shape s = a.getShape();
        return a.gather(at.expandDims(1).repeat(1, s.get(1)).repeat(3, s.get(3)), 2);
    }

    /** WEIGHTED_SUM read-out: softmax over the vocabulary times the LM's word embeddings. logits [B,k,V]. */
    static PromptBatch weightedSum(LanguageModel base, NDArray logits, int k) {
        NDArray probs = logits.softmax(-1);                                                   // [B,k,V]
        NDArray emb = probs.matMul(base.tokenEmbeddingMatrix());                              // [B,k,d]
        return new PromptBatch(PromptDesign.WEIGHTED_SUM, k, probs.argMax(-1), emb, null);
    }

    /** DISCRETE read-out: argmax ids; while training, Gumbel-softmax straight-through one-hot x embeddings. */
    private static PromptBatch discrete(LanguageModel base, NDManager m, NDArray logits, PromptGenerator.Gumbel gumbel) {
        int k = (int) logits.getShape().get(1);
        if (gumbel == null) {
            NDArray ids = logits.argMax(-1);                                                  // [B,k]
            return new PromptBatch(PromptDesign.DISCRETE, k, ids, base.embed(ids), null);
        }
        Shape s = logits.getShape();                                                          // [B,k,V]
        float[] g = new float[(int) s.size()];
        for (int i = 0; i < g.length; i++) {
            double u = Math.max(gumbel.random().nextDouble(), 1e-12);
            g[i] = (float) -Math.log(-Math.log(u));
        }
        NDArray soft = Scalars.div(logits.add(m.create(g, s)), gumbel.temperature()).softmax(-1);  // [B,k,V]
        NDArray ids = soft.argMax(-1);                                                        // [B,k]
        NDArray hard = ids.oneHot((int) s.get(2), DataType.FLOAT32);                          // [B,k,V]
        NDArray st = hard.sub(soft.stopGradient()).add(soft);                                 // forward hard, backward soft
        return new PromptBatch(PromptDesign.DISCRETE, k, ids, st.matMul(base.tokenEmbeddingMatrix()), null);
    }

}
