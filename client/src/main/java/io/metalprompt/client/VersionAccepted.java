package io.metalprompt.client;

/** The answer to more examples or a refinement (202, 16): the version being made, served once it is stored and not worse. */
public record VersionAccepted(String id, Integer version, String statusUrl) {
}
