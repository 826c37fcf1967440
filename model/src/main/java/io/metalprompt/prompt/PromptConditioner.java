package io.metalprompt.prompt;

import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.metalprompt.lm.ForwardInput;
import io.metalprompt.lm.KvCache;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.text.IclFormat;

/**
 * MetaL-Prompt as a {@link TaskConditioner}: a task's examples are split into XP (all but the last {@code l})
 * and XL (the last {@code l}); the PGM turns XP into a prompt; the target LM reads [prompt ; XL demonstrations]
 * once, and the resulting single-row cache is the prefix every query is scored behind.
 *
 * <p>DISCRETE prompts go in as tokens, WEIGHTED_SUM and HIDDEN_STATE as input embeddings, PREFIX as the past
 * keys/values themselves (extended by the XL tokens when there are any).
 *
 * <p>Each generated prompt goes through the bytes of its artifact in the conditioner's {@link PromptEncoding} and the
 * prompt read back from them is the one served, as a worker serves what the prompt-generator stored: the scores
 * reflect the encoding, and {@link #lastStoredBytes()} is the compact size.
 */
public final class PromptConditioner implements TaskConditioner {

    private final LanguageModel target;
    private final LmTokenizer tokenizer;
    private final PromptGenerator generator;
    private final int l;
    private final PromptEncoding encoding;
    private long lastStoredBytes;

    /**
     * Prompts stored as the prompt-generator stores them by default ({@link PromptEncoding#DEFAULT}); {@code target}
     * is normally {@code generator.base()}: the PGM shares its weights.
     */
    public PromptConditioner(LanguageModel target, LmTokenizer tokenizer, PromptGenerator generator, int l) {
        this(target, tokenizer, generator, l, PromptEncoding.DEFAULT);
    }

    /** Prompts stored in {@code encoding}. */
    public PromptConditioner(LanguageModel target, LmTokenizer tokenizer, PromptGenerator generator, int l,
                             PromptEncoding encoding) {
        if (l < 0) {
            throw new IllegalArgumentException("l (XL demonstrations) must be >= 0, got " + l);
        }
        this.target = target;
        this.tokenizer = tokenizer;
        this.generator = generator;
        this.l = l;
        this.encoding = encoding;
    }

    /** The last {@code l} examples (XL); the rest are XP. */
    public static List<TaskExample> xl(List<TaskExample> examples, int l) {
        if (l > examples.size()) {
            throw new IllegalArgumentException("l=" + l + " XL demonstrations requested from " + examples.size() + " examples");
        }
        return examples.subList(examples.size() - l, examples.size());
    }

    /** All but the last {@code l} examples. */
    public static List<TaskExample> xp(List<TaskExample> examples, int l) {
        return examples.subList(0, examples.size() - xl(examples, l).size());
    }

    @Override
    public KvCache condition(List<TaskExample> examples) {
        byte[] artifact;
        try (GeneratedPrompt prompt = generator.generateIterative(xp(examples, l), tokenizer)) {
            artifact = PromptArtifact.of(prompt, generator, java.time.Instant.EPOCH, encoding).toBytes();
        }
        // what the prompt-generator stores: the artifact, plus the XL demonstrations' text in the task record
        lastStoredBytes = artifact.length
                + IclFormat.renderDemonstrations(xl(examples, l)).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        try (GeneratedPrompt stored = PromptArtifact.fromBytes(artifact).toPrompt(target.manager())) {
            return prefix(target, tokenizer, stored, xl(examples, l));
        }
    }

    @Override
    public long lastStoredBytes() {
        return lastStoredBytes;
    }

    @Override
    public String name() {
        return "metal-prompt-" + generator.design().name().toLowerCase(java.util.Locale.ROOT) + "-k" + generator.k()
                + "-l" + l + (encoding == PromptEncoding.F32 ? "" : "-" + encoding.name().toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * The single-row prefix {@code [1, k + |XL tokens|]} for {@code prompt} followed by the demonstrations
     * {@code xl} (may be empty), owned by the target model's manager (close it).
     */
    public static KvCache prefix(LanguageModel target, LmTokenizer tokenizer, GeneratedPrompt prompt,
                                 List<TaskExample> xl) {
        long[] xlIds = xl.isEmpty() ? new long[0] : tokenizer.encode(IclFormat.renderDemonstrations(xl));
        if (prompt.k() + xlIds.length >= target.config().maxPositions()) {
            throw new IllegalArgumentException("prompt (" + prompt.k() + ") + " + xl.size() + " XL demonstrations ("
                    + xlIds.length + " tokens) leave no room for a query in " + target.config().maxPositions()
                    + " positions");
        }
        try (NDScope scope = new NDScope(); NDManager m = target.manager().newSubManager()) {
            KvCache cache = switch (prompt.design()) {
                case DISCRETE -> {
                    long[] ids = new long[prompt.k() + xlIds.length];
                    System.arraycopy(prompt.tokenIds(), 0, ids, 0, prompt.k());
                    System.arraycopy(xlIds, 0, ids, prompt.k(), xlIds.length);
                    yield target.forward(ForwardInput.builder()
                            .setTokens(m.create(ids, new Shape(1, ids.length)), null).build()).cache();
                }
                case WEIGHTED_SUM, HIDDEN_STATE -> {
                    ForwardInput.Builder in = ForwardInput.builder().optEmbeddings(prompt.embeddings(), null);
                    if (xlIds.length > 0) {
                        in.setTokens(m.create(xlIds, new Shape(1, xlIds.length)), null);
                    }
                    yield target.forward(in.build()).cache();
                }
                case PREFIX -> xlIds.length == 0 ? inModelType(target, prompt.prefix())
                        : target.forward(ForwardInput.builder().setTokens(m.create(xlIds, new Shape(1, xlIds.length)), null)
                                .optPast(inModelType(target, prompt.prefix())).build()).cache();
            };
            // keep only the cache: out of the scope, into the model's manager
            NDScope.unregister(cache.toNDList());
            cache.toNDList().attach(target.manager());
            return cache;
        }
    }

    /** A copy of {@code c} in the target LM's dtype ({@code metal.model.dtype}; a prompt is float32 when loaded). */
    private static KvCache inModelType(LanguageModel target, KvCache c) {
        DataType dtype = target.settings().dataType();
        return new KvCache(c.keys().stream().map(a -> copy(a, dtype)).toList(),
                c.values().stream().map(a -> copy(a, dtype)).toList(), c.mask().duplicate());
    }

    /**
     * A copy of {@code a} in {@code dtype} with storage of its own. Not {@code toType(dtype, true)} alone: for the
     * same dtype the PyTorch engine hands back the same tensor, which may be memory the prompt frees when closed.
     */
    private static NDArray copy(NDArray a, DataType dtype) {
        return a.getDataType() == dtype ? a.duplicate() : a.toType(dtype, false);
    }
}
