package io.metalprompt.trainer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.metalprompt.eval.Evaluator;
import io.metalprompt.eval.Metrics;
import io.metalprompt.tasks.Family;

/** An evaluation's scores per kind of rule: the mean over the kind's tasks of their seed-averaged scores. */
final class FamilyScores {

    /** One kind's number of tasks and mean score. */
    record KindScore(int tasks, Metrics.Score score) {
    }

    private FamilyScores() {
    }

    /** Kind id -> its tasks' mean, for the tasks whose kind {@code families} names (sorted by kind; empty if none). */
    static Map<String, KindScore> of(Evaluator.Report report, Map<String, Family> families) {
        Map<String, List<Metrics.Score>> grouped = new TreeMap<>();
        report.tasks().forEach((task, r) -> {
            Family f = families.get(task);
            if (f != null) {
                grouped.computeIfAbsent(f.id(), x -> new ArrayList<>()).add(r.mean());
            }
        });
        Map<String, KindScore> out = new LinkedHashMap<>();
        grouped.forEach((f, scores) -> out.put(f, new KindScore(scores.size(), new Metrics.Score(
                scores.stream().mapToDouble(Metrics.Score::macroF1).average().orElseThrow(),
                scores.stream().mapToDouble(Metrics.Score::accuracy).average().orElseThrow()))));
        return out;
    }
}
