package io.metalprompt.events;

import java.time.Instant;
import java.util.Map;

/**
 * A new PGM version in the model store ({@link Topics#MODEL_EVENTS}, keyed by base-model fingerprint):
 * prompt-generators load it and regenerate prompts in the background.
 */
public record ModelPublished(int schemaVersion, String pgmVersion, String baseFingerprint, String location,
                             Map<String, Double> metrics, Instant publishedAt) {
    public ModelPublished {
        Events.requireVersion(schemaVersion);
        Events.requireId(pgmVersion, "pgmVersion");
        Events.requireId(baseFingerprint, "baseFingerprint");
        Events.requireId(location, "location");
        metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
        Events.require(publishedAt != null, "publishedAt is required");
    }
}
