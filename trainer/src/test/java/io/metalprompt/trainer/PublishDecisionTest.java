package io.metalprompt.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** When the periodic job publishes a new PGM and when it keeps the version in force. */
class PublishDecisionTest {

    @Test
    void withNoVersionInForceTheNewOneIsPublished() {
        PublishDecision d = PublishDecision.decide("macro_f1", 0.2, null, null, 0.0);
        assertTrue(d.publish());
        assertTrue(d.reason().contains("no version"), d.reason());
    }

    @Test
    void notWorseIsPublishedWorseIsKept() {
        assertTrue(PublishDecision.decide("macro_f1", 0.41, 0.40, "version v1", 0.0).publish(), "better");
        assertTrue(PublishDecision.decide("macro_f1", 0.40, 0.40, "version v1", 0.0).publish(), "equal is not worse");
        PublishDecision worse = PublishDecision.decide("macro_f1", 0.39, 0.40, "version v1", 0.0);
        assertFalse(worse.publish());
        assertEquals("new macro_f1 0.3900 < 0.4000 (version v1) - threshold 0.0000 = 0.4000", worse.reason());
    }

    @Test
    void theThresholdToleratesALossOrDemandsAGain() {
        assertTrue(PublishDecision.decide("accuracy", 0.39, 0.40, "version v1", 0.02).publish(), "within the tolerance");
        assertFalse(PublishDecision.decide("accuracy", 0.37, 0.40, "version v1", 0.02).publish(), "beyond it");
        assertFalse(PublishDecision.decide("accuracy", 0.41, 0.40, "version v1", -0.05).publish(), "a gain of 0.05 was asked");
        assertTrue(PublishDecision.decide("accuracy", 0.46, 0.40, "version v1", -0.05).publish());
    }

    @Test
    void aScoreThatIsNotANumberDecidesSafely() {
        assertFalse(PublishDecision.decide("macro_f1", Double.NaN, 0.40, "version v1", 0.0).publish());
        assertFalse(PublishDecision.decide("macro_f1", Double.NaN, null, null, 0.0).publish());
        assertTrue(PublishDecision.decide("macro_f1", 0.1, Double.NaN, "version v1", 0.0).publish(),
                "a version in force that scores NaN is replaced");
    }
}
