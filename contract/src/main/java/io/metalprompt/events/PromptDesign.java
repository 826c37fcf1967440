package io.metalprompt.events;

/** Where the generated prompt is read from the PGM's padding positions, and how the target LM takes it. */
public enum PromptDesign {
    /** Argmax vocabulary tokens (Gumbel-softmax straight-through while training): a prompt a user can read. */
    DISCRETE,
    /** The PGM's token probabilities times the LM's word embeddings: soft input embeddings. */
    WEIGHTED_SUM,
    /** The PGM's final hidden states used directly as input embeddings. */
    HIDDEN_STATE,
    /** Each PGM layer's keys and values at the padding positions, in front of the same layer of the LM. */
    PREFIX
}
