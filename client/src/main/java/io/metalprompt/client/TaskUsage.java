package io.metalprompt.client;

/** One task's share of a {@link Usage}: its id beside the same counts as the totals. */
public record TaskUsage(String taskId, long inputsAnswered, long tokensRead, long promptGenerations,
                        long refinementSteps, long bytesStored) {

    public Counts counts() {
        return new Counts(inputsAnswered, tokensRead, promptGenerations, refinementSteps, bytesStored);
    }
}
