package io.metalprompt.trainer;

import io.metalprompt.eval.Metrics;

/** {@code metal periodic --metric}: the held-out score a new PGM is compared on before it is published. */
enum PublishMetric {
    MACRO_F1("macro_f1"),
    ACCURACY("accuracy");

    private final String spelling;

    PublishMetric(String spelling) {
        this.spelling = spelling;
    }

    /** Its name on the command line and in the decision's reason. */
    String spelling() {
        return spelling;
    }

    double of(Metrics.Score score) {
        return this == ACCURACY ? score.accuracy() : score.macroF1();
    }

    /** The option's converter and completion candidates. */
    static final class Values extends Spellings<PublishMetric> {
        public Values() {
            super(PublishMetric.class, m -> java.util.List.of(m.spelling));
        }
    }
}
