package io.metalprompt.lm;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** What the family configs share when Jackson reads or writes a {@code config.json}. */
final class ConfigFields {

    /** Indented like Hugging Face's files; unknown fields (dropout, dtype, ...) are ignored on reading. */
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ConfigFields() {
    }

    /** Jackson value filter: leaves out a token id of -1 (none). */
    static final class NoTokenId {
        @Override
        public boolean equals(Object value) {
            return value instanceof Integer id && id < 0;
        }

        @Override
        public int hashCode() {
            return 0;
        }
    }

    /** The sizes every family needs positive. */
    static void checkSizes(int vocabSize, int nLayer, int nHead, int nKvHead, int dModel, int headDim, int dFf,
            int maxPositions) {
        if (vocabSize <= 0 || nLayer <= 0 || nHead <= 0 || nKvHead <= 0 || dModel <= 0 || headDim <= 0 || dFf <= 0
                || maxPositions <= 0) {
            throw new IllegalArgumentException("all sizes must be positive: vocab=" + vocabSize + " layers=" + nLayer
                    + " heads=" + nHead + " kvHeads=" + nKvHead + " d=" + dModel + " headDim=" + headDim + " dFf="
                    + dFf + " maxPositions=" + maxPositions);
        }
    }

    /** A required integer of a {@code config.json}. */
    static int required(Integer value, String field) {
        if (value == null) {
            throw new IllegalArgumentException("lacks integer field \"" + field + "\"");
        }
        return value;
    }

    /** A token id field: absent, null or an empty list = -1; a list = its first id. */
    static int tokenId(JsonNode n) {
        if (n == null || n.isNull()) {
            return -1;
        }
        if (n.isArray()) {
            return n.isEmpty() ? -1 : n.get(0).asInt();
        }
        return n.asInt();
    }
}
