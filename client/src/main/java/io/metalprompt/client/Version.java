package io.metalprompt.client;

import java.time.Instant;

/**
 * One prompt version of a task (16). {@code number} 1 is the first generated prompt; {@code source} is
 * {@code generated}, {@code examples}, {@code refined} or {@code rollout}; {@code quality} is null until scored or when
 * the task has no validation examples; {@code rejected} is the reason a version scored worse than the served one and
 * was never served (null otherwise).
 */
public record Version(int number, String source, Integer examplesSeen, String pgmVersion, Instant createdAt,
                      boolean served, Quality quality, String rejected) {
}
