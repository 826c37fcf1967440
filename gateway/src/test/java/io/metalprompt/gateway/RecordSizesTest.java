package io.metalprompt.gateway;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.metalprompt.events.TaskIds;
import io.metalprompt.events.EventCodec;
import io.metalprompt.events.Events;
import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.Prediction;
import io.metalprompt.events.Topics;
import io.metalprompt.testing.TopicsConf;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * With the gateway's default limits, every Kafka record a call can cause fits its topic with a quarter to spare: the
 * limit is the topic's {@code max.message.bytes} in deploy/topics.conf (the broker's default when it sets none) and
 * the producers' default {@code max.request.size}. The bounds of {@link RecordSizes} are checked against records built
 * at the limits, of the costliest characters, and encoded as the services encode them.
 */
class RecordSizesTest {

    /** The broker's default {@code message.max.bytes}, used by a topic without {@code max.message.bytes}. */
    private static final long BROKER_DEFAULT = 1_048_588;
    /** The Kafka producer's default {@code max.request.size} (no service sets another). */
    private static final long PRODUCER_DEFAULT = 1_048_576;

    /** The defaults of GatewayConfig's annotations (what the README lists), without any profile or file. */
    private static final Limits DEFAULTS = Limits.of(new SmallRyeConfigBuilder()
            .withMapping(GatewayConfig.class)
            .withDefaultValue("metal.gateway.console-policy", "default-src 'none'")   // no default: not a limit
            .withConverter(MemorySize.class, 100, new MemorySizeConverter())
            .withConverter(Duration.class, 100, new DurationConverter())
            .build().getConfigMapping(GatewayConfig.class).gateway());

    private static long limit(String topic) {
        long configured = TopicsConf.read(TopicsConf.defaultPath()).stream()
                .filter(spec -> spec.name().equals(topic)).findFirst()
                .orElseThrow(() -> new AssertionError(topic + " is not in deploy/topics.conf"))
                .configs().entrySet().stream().filter(e -> e.getKey().equals("max.message.bytes"))
                .mapToLong(e -> Long.parseLong(e.getValue())).findFirst().orElse(BROKER_DEFAULT);
        return Math.min(configured, PRODUCER_DEFAULT);
    }

    private static void assertFitsWithMargin(long bytes, String topic, String what) {
        long limit = limit(topic);
        assertTrue(bytes <= limit * 3 / 4, what + ": " + bytes + " bytes at the default limits; " + topic
                + " takes " + limit + ", and a quarter of it is kept free");
    }

    @Test
    void theLargestResultFitsTheResultsTopic() {
        assertFitsWithMargin(RecordSizes.worstResult(DEFAULTS), Topics.INFERENCE_RESULTS, "InferenceResult");
    }

    @Test
    void theLargestRequestFitsTheRequestsTopic() {
        assertFitsWithMargin(RecordSizes.worstRequest(DEFAULTS), Topics.INFERENCE_REQUESTS, "InferenceRequest");
    }

    @Test
    void theLargestRegistrationFitsTheRegistrationsTopic() {
        assertFitsWithMargin(DEFAULTS.maxRegistrationBytes(), Topics.TASK_REGISTRATIONS, "TaskRegistered");
    }

    /** Every way of spending the scores of a call (few inputs with many options, or the reverse) stays in the bound. */
    @Test
    void resultsAtTheLimitsAreWithinTheBound() {
        int maxOptions = Math.min(DEFAULTS.maxOptionsPerTask(), DEFAULTS.maxScoresPerCall());
        for (int options = 2; options <= maxOptions; options *= 2) {
            int inputs = Math.min(DEFAULTS.maxInputsPerCall(), DEFAULTS.maxScoresPerCall() / options);
            long encoded = EventCodec.encode(result(inputs, options)).length;
            assertTrue(encoded <= RecordSizes.worstResult(DEFAULTS), inputs + " inputs x " + options + " options: "
                    + encoded + " bytes, above the bound " + RecordSizes.worstResult(DEFAULTS));
        }
    }

    @Test
    void aRequestAtTheLimitsIsWithinTheBound() {
        List<String> inputs = Collections.nCopies(DEFAULTS.maxInputsPerCall(), costly(DEFAULTS.maxInputChars(), 0));
        InferenceRequest request = new InferenceRequest(Events.SCHEMA_VERSION, TaskIds.next(), TaskIds.next(),
                "t".repeat(64), inputs, Instant.now().toEpochMilli());
        long encoded = EventCodec.encode(request).length;
        assertTrue(encoded <= RecordSizes.worstRequest(DEFAULTS), encoded + " > " + RecordSizes.worstRequest(DEFAULTS));
    }

    /** A result whose options are as long as allowed and made of characters JSON escapes with six bytes. */
    private static InferenceResult result(int inputs, int options) {
        Map<String, Double> scores = new LinkedHashMap<>();
        for (int o = 0; o < options; o++) {
            scores.put(costly(DEFAULTS.maxOptionChars(), o), -Double.MAX_VALUE);
        }
        List<Prediction> predictions = new ArrayList<>();
        for (int i = 0; i < inputs; i++) {
            predictions.add(new Prediction(scores.keySet().iterator().next(), scores, null));
        }
        return new InferenceResult(Events.SCHEMA_VERSION, TaskIds.next(), TaskIds.next(), InferenceResult.Status.OK,
                predictions, null, "pgm-" + "v".repeat(200), Instant.now().toEpochMilli());
    }

    /** {@code chars} control characters, different for each {@code n}. */
    private static String costly(int chars, int n) {
        StringBuilder b = new StringBuilder(chars);
        for (int i = 0; i < chars; i++) {
            b.append((char) (1 + (n >> (i % 4 * 4) & 0xF)));
        }
        return b.toString();
    }
}
