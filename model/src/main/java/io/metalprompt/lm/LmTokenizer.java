package io.metalprompt.lm;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The model folder's {@code tokenizer.json}, through DJL's Hugging Face tokenizers binding. No special
 * tokens are added, no truncation or padding is applied, so ids match {@code tokenizer(text).input_ids}
 * of a tokenizer without a post-processor (GPT-2, and the fixtures).
 */
public final class LmTokenizer implements AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;

    private LmTokenizer(HuggingFaceTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Loads {@code tokenizer.json} from a model folder (or the file itself). */
    public static LmTokenizer load(Path dirOrFile) {
        Path file = Files.isDirectory(dirOrFile) ? dirOrFile.resolve("tokenizer.json") : dirOrFile;
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException("tokenizer not found: " + file.toAbsolutePath());
        }
        Djl.ensureOffline();
        try {
            return new LmTokenizer(HuggingFaceTokenizer.builder()
                    .optTokenizerPath(file)
                    .optAddSpecialTokens(false)
                    .optTruncation(false)
                    .optPadding(false)
                    .build());
        } catch (IOException | RuntimeException e) {
            throw new ModelLoadException("cannot load tokenizer " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    public long[] encode(String text) {
        return tokenizer.encode(text, false, false).getIds();
    }

    /** Decodes ids, keeping special tokens. */
    public String decode(long[] ids) {
        return tokenizer.decode(ids, false);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
