package io.metalprompt.gateway;

/**
 * The size limits a request must keep (from {@link GatewayConfig.Gateway}); plain values so unit tests choose their own.
 * {@link RecordSizes} turns them into the largest Kafka records a request can cause.
 */
public record Limits(int maxExamplesPerTask, int maxInputChars, int maxInputsPerCall, int maxOptionsPerTask,
                     int maxOptionChars, int maxScoresPerCall, long maxRegistrationBytes) {

    public static Limits of(GatewayConfig.Gateway config) {
        return new Limits(config.maxExamplesPerTask(), config.maxInputChars(), config.maxInputsPerCall(),
                config.maxOptionsPerTask(), config.maxOptionChars(), config.maxScoresPerCall(),
                config.maxRegistrationSize().asLongValue());
    }
}
