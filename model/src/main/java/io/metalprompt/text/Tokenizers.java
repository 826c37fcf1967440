package io.metalprompt.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/** Loads a local {@code tokenizer.json} through DJL, offline (DJL must never try the network). */
public final class Tokenizers {

    private Tokenizers() {
    }

    public static HuggingFaceTokenizer load(Path tokenizerJson) {
        System.setProperty("ai.djl.offline", "true");
        try {
            return HuggingFaceTokenizer.newInstance(tokenizerJson,
                    Map.of("addSpecialTokens", "false", "padding", "false", "truncation", "false"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load tokenizer " + tokenizerJson, e);
        }
    }
}
