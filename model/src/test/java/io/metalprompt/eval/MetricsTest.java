package io.metalprompt.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void macroF1AveragesPerOptionF1() {
        // gold a a b b c ; predicted a b b b a
        // a: tp1 fp1 fn1 -> 0.5 ; b: tp2 fp1 fn0 -> 0.8 ; c: tp0 fp0 fn1 -> 0
        Metrics.Score s = Metrics.score(List.of("a", "b", "c"),
                List.of("a", "a", "b", "b", "c"), List.of("a", "b", "b", "b", "a"));
        assertEquals((0.5 + 0.8 + 0.0) / 3, s.macroF1(), 1e-12);
        assertEquals(3.0 / 5, s.accuracy(), 1e-12);
    }

    @Test
    void alwaysOneLabelOnABalancedTwoClassTaskScoresOneThird() {
        Metrics.Score s = Metrics.score(List.of("yes", "no"),
                List.of("yes", "no", "yes", "no"), List.of("yes", "yes", "yes", "yes"));
        assertEquals((2.0 / 3 + 0) / 2, s.macroF1(), 1e-12);
        assertEquals(0.5, s.accuracy(), 1e-12);
    }

    @Test
    void optionsAbsentFromGoldAndPredictionsAreLeftOut() {
        Metrics.Score s = Metrics.score(List.of("x", "y", "z"), List.of("x", "y"), List.of("x", "y"));
        assertEquals(1.0, s.macroF1(), 1e-12);
    }
}
