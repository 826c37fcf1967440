package io.metalprompt.lm;

import ai.djl.ndarray.NDArray;

/**
 * What one forward pass reads: optional input embeddings (soft-prompt rows), then optional token ids,
 * optionally behind a cached prefix, optionally through a {@link ProjectionAdapter}.
 *
 * <pre>{@code
 * ForwardInput in = ForwardInput.builder()
 *         .setTokens(ids, mask)          // [B,T] int64, right-padded; mask [B,T] 1 = real token
 *         .optEmbeddings(soft, softMask) // [B,S,d] placed before the tokens
 *         .optPast(cache)                // keys/values of earlier positions
 *         .optAdapter(lora)
 *         .build();
 * }</pre>
 * Masks may be any numeric or boolean type; a null mask means all ones.
 */
public final class ForwardInput {
    private final NDArray tokenIds;
    private final NDArray tokenMask;
    private final NDArray embeddings;
    private final NDArray embeddingMask;
    private final KvCache past;
    private final ProjectionAdapter adapter;

    private ForwardInput(Builder b) {
        this.tokenIds = b.tokenIds;
        this.tokenMask = b.tokenMask;
        this.embeddings = b.embeddings;
        this.embeddingMask = b.embeddingMask;
        this.past = b.past;
        this.adapter = b.adapter;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Token ids {@code [B,T]}, or null when only embeddings are given. */
    public NDArray tokenIds() {
        return tokenIds;
    }

    public NDArray tokenMask() {
        return tokenMask;
    }

    /** Input embeddings {@code [B,S,d]}, or null. */
    public NDArray embeddings() {
        return embeddings;
    }

    public NDArray embeddingMask() {
        return embeddingMask;
    }

    /** Cached prefix, or null. */
    public KvCache past() {
        return past;
    }

    /** Adapter hook, or null. */
    public ProjectionAdapter adapter() {
        return adapter;
    }

    /** Builder; {@link #setTokens} or {@link #optEmbeddings} (or both) is required. */
    public static final class Builder {
        private NDArray tokenIds;
        private NDArray tokenMask;
        private NDArray embeddings;
        private NDArray embeddingMask;
        private KvCache past;
        private ProjectionAdapter adapter;

        private Builder() {
        }

        /** Token ids {@code [B,T]} (int64, right-padded) and their mask {@code [B,T]} (null = all real). */
        public Builder setTokens(NDArray ids, NDArray mask) {
            this.tokenIds = ids;
            this.tokenMask = mask;
            return this;
        }

        /** Token ids and mask from a {@link TokenBatch}. */
        public Builder setTokens(TokenBatch batch) {
            return setTokens(batch.ids(), batch.mask());
        }

        /** Input embeddings {@code [B,S,d]} placed before the tokens, and their mask {@code [B,S]} (null = all real). */
        public Builder optEmbeddings(NDArray embeddings, NDArray mask) {
            this.embeddings = embeddings;
            this.embeddingMask = mask;
            return this;
        }

        public Builder optPast(KvCache past) {
            this.past = past;
            return this;
        }

        public Builder optAdapter(ProjectionAdapter adapter) {
            this.adapter = adapter;
            return this;
        }

        public ForwardInput build() {
            if (tokenIds == null && embeddings == null) {
                throw new IllegalStateException("ForwardInput needs token ids (setTokens) or embeddings (optEmbeddings)");
            }
            if (tokenIds != null && tokenIds.getShape().dimension() != 2) {
                throw new IllegalArgumentException("token ids must be [B,T], got " + tokenIds.getShape());
            }
            if (embeddings != null && embeddings.getShape().dimension() != 3) {
                throw new IllegalArgumentException("embeddings must be [B,S,d], got " + embeddings.getShape());
            }
            if (tokenIds != null && tokenMask != null && !tokenMask.getShape().equals(tokenIds.getShape())) {
                throw new IllegalArgumentException("token mask " + tokenMask.getShape() + " must match ids "
                        + tokenIds.getShape());
            }
            if (embeddings != null && embeddingMask != null
                    && !embeddingMask.getShape().equals(embeddings.getShape().slice(0, 2))) {
                throw new IllegalArgumentException("embedding mask " + embeddingMask.getShape() + " must be [B,S] of "
                        + embeddings.getShape());
            }
            return new ForwardInput(this);
        }
    }
}
