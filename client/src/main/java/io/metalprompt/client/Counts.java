package io.metalprompt.client;

/**
 * What was used (16): inputs answered, positions the LM read for them (prompt, demonstrations, inputs and options),
 * prompts generated, refinement steps run, and bytes stored now (prompt artifacts and examples).
 */
public record Counts(long inputsAnswered, long tokensRead, long promptGenerations, long refinementSteps, long bytesStored) {
}
