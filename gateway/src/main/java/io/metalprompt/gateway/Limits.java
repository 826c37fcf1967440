package io.metalprompt.gateway;

/** The size limits a request must keep (from {@link GatewayConfig.Gateway}); plain values so unit tests choose their own. */
public record Limits(int maxExamplesPerTask, int maxInputChars, int maxInputsPerCall) {

    public static Limits of(GatewayConfig.Gateway config) {
        return new Limits(config.maxExamplesPerTask(), config.maxInputChars(), config.maxInputsPerCall());
    }
}
