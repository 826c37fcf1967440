package io.metalprompt.service.model;

/**
 * The part of a model service's configuration {@link ModelBeans} reads. The service's one {@code @ConfigMapping}
 * (prefix {@code metal}) extends it, and Quarkus injects that mapping wherever a {@code ModelServiceConfig} is asked for.
 */
public interface ModelServiceConfig {

    /** {@code metal.model.*}: the base LM. */
    ModelSettings model();
}
