package io.metalprompt.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.metalprompt.lm.ForwardInput;
import io.metalprompt.lm.LanguageModel;

/** The base LM's training objective on a batch of demonstration sequences, and what it reports. */
final class BaseLmLoss {

    private BaseLmLoss() {
    }

    /**
     * Forward and backward of one batch. Loss = weighted next-token cross-entropy: {@code answerWeight} on
     * label tokens, {@code tokenWeight} on the other real tokens. Returns {loss, answer loss, answer accuracy,
     * seen accuracy}: the last is the accuracy on answers whose label word already answered an earlier
     * demonstration of the same sequence, the only answers a model can get from context (a label's first
     * appearance is a guess among all label words), so it is the in-context-learning signal.
     */
    static double[] trainStep(LanguageModel model, CorpusSampler.Batch batch, int padId, double answerWeight,
            double tokenWeight) {
        int b = batch.ids().length;
        int t = batch.ids()[0].length;
        long[] ids = new long[b * t];
        float[] real = new float[b * t];
        float[] answer = new float[b * t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                ids[i * t + j] = batch.ids()[i][j];
                answer[i * t + j] = batch.masks()[i][j];
            }
            // real tokens: up to the last non-pad token (pad id may not appear inside a sequence)
            int len = t;
            while (len > 0 && batch.ids()[i][len - 1] == padId) {
                len--;
            }
            for (int j = 0; j < len; j++) {
                real[i * t + j] = 1f;
            }
        }
        // one NDScope per step: ops whose first operand is a weight (position rows, embeddings) put their
        // results in the model's manager; the scope frees them with everything else of this step
        try (NDScope scope = new NDScope();
             NDManager m = model.manager().newSubManager();
             GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray idArr = m.create(ids, new Shape(b, t));
            NDArray realArr = m.create(real, new Shape(b, t));
            NDArray ansArr = m.create(answer, new Shape(b, t)).get(":, 1:");                 // [B,T-1]
            NDArray logits = model.forward(ForwardInput.builder().setTokens(idArr, realArr).build()).logits();
            NDArray logp = logits.get(":, :-1, :").logSoftmax(-1);                          // [B,T-1,V]
            NDArray targets = idArr.get(":, 1:");                                             // [B,T-1]
            NDArray nll = logp.gather(targets.expandDims(-1), 2).squeeze(2).neg();            // [B,T-1]
            NDArray other = realArr.get(":, 1:").sub(ansArr);
            NDArray w = ansArr.mul((float) answerWeight).add(other.mul((float) tokenWeight));
            NDArray loss = nll.mul(w).sum().div(w.sum().add(1e-9f));
            gc.backward(loss);
            double answers = ansArr.sum().getFloat();
            double answerLoss = nll.mul(ansArr).sum().getFloat() / Math.max(1, answers);
            NDArray hit = logp.argMax(-1).eq(targets).toType(DataType.FLOAT32, false).mul(ansArr);
            double acc = hit.sum().getFloat() / Math.max(1, answers);
            return new double[] {loss.getFloat(), answerLoss, acc, seenAccuracy(batch, hit.toFloatArray(), t)};
        }
    }

    /** Accuracy on answer tokens whose id answered an earlier demonstration in the same row ({@code hits}: [B,T-1]). */
    static double seenAccuracy(CorpusSampler.Batch batch, float[] hits, int t) {
        double seen = 0;
        double right = 0;
        for (int i = 0; i < batch.ids().length; i++) {
            if (batch.lookback()[i]) {
                continue;   // no task, no answers: only the task rows carry the in-context signal
            }
            java.util.Set<Integer> answered = new java.util.HashSet<>();
            for (int j = 1; j < t; j++) {
                if (batch.masks()[i][j] > 0) {
                    if (!answered.add(batch.ids()[i][j])) {
                        seen++;
                        right += hits[i * (t - 1) + j - 1];
                    }
                }
            }
        }
        return seen == 0 ? Double.NaN : right / seen;
    }

}
