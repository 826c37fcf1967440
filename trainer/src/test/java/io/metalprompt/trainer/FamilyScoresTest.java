package io.metalprompt.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.metalprompt.eval.Evaluator;
import io.metalprompt.eval.Metrics;
import io.metalprompt.tasks.Family;

class FamilyScoresTest {

    private static Evaluator.TaskResult result(double f1, double acc) {
        return new Evaluator.TaskResult(new Metrics.Score(f1, acc), Map.of());
    }

    @Test
    void averagesTheTasksOfEachKindAndSkipsTasksWithoutAKind() {
        Map<String, Evaluator.TaskResult> tasks = new LinkedHashMap<>();
        tasks.put("a", result(0.2, 0.4));
        tasks.put("b", result(0.6, 0.8));
        tasks.put("c", result(0.5, 0.5));
        tasks.put("unknown", result(1.0, 1.0));
        Evaluator.Report report = new Evaluator.Report("icl", new Metrics.Score(0, 0), tasks,
                new Evaluator.Costs(0, 0, 0, 0, 0));
        Map<String, FamilyScores.KindScore> out = FamilyScores.of(report,
                Map.of("a", Family.TOPIC, "b", Family.TOPIC, "c", Family.LAST));
        assertEquals(List.of("last", "topic"), List.copyOf(out.keySet()));
        assertEquals(2, out.get("topic").tasks());
        assertEquals(0.4, out.get("topic").score().macroF1(), 1e-12);
        assertEquals(0.6, out.get("topic").score().accuracy(), 1e-12);
        assertEquals(new Metrics.Score(0.5, 0.5), out.get("last").score());
    }
}
