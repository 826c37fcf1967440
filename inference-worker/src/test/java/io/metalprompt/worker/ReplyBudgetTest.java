package io.metalprompt.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.Prediction;

class ReplyBudgetTest {

    private static List<String> options(int n, int chars) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(("option " + i + " ").repeat(chars).substring(0, chars) + "\u00e9\"");
        }
        return out;
    }

    private static InferenceResult ok(int inputs, List<String> options) {
        List<Prediction> predictions = new ArrayList<>();
        for (int i = 0; i < inputs; i++) {
            Map<String, Double> scores = new LinkedHashMap<>();
            for (String o : options) {
                scores.put(o, -1.2345678901234567E-10 * (i + 1));
            }
            predictions.add(new Prediction(options.get(options.size() - 1), scores, null));
        }
        return new InferenceResult(1, UUID.randomUUID().toString(), UUID.randomUUID().toString(),
                InferenceResult.Status.OK, predictions, null, "pgm-1", 1_700_000_000_000L);
    }

    @Test
    void theEstimateIsNeverBelowTheEncodedResult() {
        for (int[] shape : new int[][] {{1, 2, 4}, {64, 2, 8}, {64, 1000, 20}, {3, 17, 200}}) {
            List<String> options = options(shape[1], shape[2]);
            long encoded = EventCodec.encode(ok(shape[0], options)).length;
            long estimate = ReplyBudget.estimate(shape[0], options);
            assertTrue(estimate >= encoded, estimate + " < " + encoded);
            assertTrue(estimate < encoded * 1.5 + 5000, "not far above either: " + estimate + " for " + encoded);
        }
    }

    @Test
    void aResultThatWouldNotFitIsRefusedBeforeScoringNamingSizeLimitAndWhatFits() {
        ReplyBudget budget = new ReplyBudget(1_000_000);
        assertTrue(budget.refusal(64, options(2, 8)).isEmpty());
        String why = budget.refusal(64, options(1000, 10)).orElseThrow();
        assertTrue(why.startsWith("the result would be about "), why);
        assertTrue(why.contains("more than the 1000000 a reply may carry"), why);
        assertTrue(why.contains("64 inputs of 1000 options each"), why);
    }

    @Test
    void anEncodedResultOverItsRouteLimitIsReplacedByAnInvalidOneThatFits() {
        ReplyBudget budget = new ReplyBudget(1_000_000);
        InferenceResult big = ok(64, options(50, 20));
        byte[] json = EventCodec.encode(big);
        assertEquals(json.length, budget.encode(big, json.length).orElseThrow().length, "at the limit: sent as it is");
        byte[] replaced = budget.encode(big, json.length - 1).orElseThrow();
        InferenceResult r = EventCodec.decode(replaced, InferenceResult.class);
        assertEquals(InferenceResult.Status.INVALID, r.status());
        assertEquals(big.requestId(), r.requestId());
        assertTrue(r.error().contains("the result is " + json.length + " bytes, more than the " + (json.length - 1)),
                r.error());
        assertTrue(budget.encode(big, 100).isEmpty(), "not even the refusal fits: nothing to send");
    }
}
