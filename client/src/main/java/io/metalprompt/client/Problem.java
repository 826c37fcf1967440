package io.metalprompt.client;

/**
 * RFC 9457 problem details as the gateway sends them ({@code application/problem+json}); for an error answered
 * without them (a proxy's page, say) {@code type} is {@code about:blank} and {@code detail} the start of the body.
 */
public record Problem(String type, String title, int status, String detail, String instance) {
}
