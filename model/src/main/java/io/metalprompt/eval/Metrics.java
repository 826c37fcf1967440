package io.metalprompt.eval;

import java.util.List;

/** Classification metrics over a task's options, as MetaICL reports them. */
public final class Metrics {

    private Metrics() {
    }

    /** Macro-F1 and accuracy of one set of predictions. */
    public record Score(double macroF1, double accuracy) {
    }

    /**
     * Macro-F1: the mean over the task's options of each option's F1 = 2TP / (2TP + FP + FN). An option that
     * is neither gold nor predicted anywhere in the test set is left out of the mean (as scikit-learn does
     * with labels taken from the data); an option that is gold but never predicted counts with F1 = 0.
     */
    public static Score score(List<String> options, List<String> gold, List<String> predicted) {
        if (gold.size() != predicted.size() || gold.isEmpty()) {
            throw new IllegalArgumentException("need as many predictions as gold labels, and at least one");
        }
        double f1Sum = 0;
        int counted = 0;
        int correct = 0;
        for (int i = 0; i < gold.size(); i++) {
            if (gold.get(i).equals(predicted.get(i))) {
                correct++;
            }
        }
        for (String option : options) {
            int tp = 0;
            int fp = 0;
            int fn = 0;
            for (int i = 0; i < gold.size(); i++) {
                boolean g = gold.get(i).equals(option);
                boolean p = predicted.get(i).equals(option);
                if (g && p) {
                    tp++;
                } else if (p) {
                    fp++;
                } else if (g) {
                    fn++;
                }
            }
            if (tp + fp + fn == 0) {
                continue;
            }
            f1Sum += 2.0 * tp / (2.0 * tp + fp + fn);
            counted++;
        }
        return new Score(counted == 0 ? 0 : f1Sum / counted, (double) correct / gold.size());
    }
}
