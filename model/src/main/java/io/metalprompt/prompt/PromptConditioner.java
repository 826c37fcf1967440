package io.metalprompt.prompt;

import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
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
 */
public final class PromptConditioner implements TaskConditioner {

    private final LanguageModel target;
    private final LmTokenizer tokenizer;
    private final PromptGenerator generator;
    private final int l;
    private long lastStoredBytes;

    /** {@code target} is normally {@code generator.base()}: the PGM shares its weights. */
    public PromptConditioner(LanguageModel target, LmTokenizer tokenizer, PromptGenerator generator, int l) {
        if (l < 0) {
            throw new IllegalArgumentException("l (XL demonstrations) must be >= 0, got " + l);
        }
        this.target = target;
        this.tokenizer = tokenizer;
        this.generator = generator;
        this.l = l;
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
        try (GeneratedPrompt prompt = generator.generateIterative(xp(examples, l), tokenizer)) {
            // what the prompt-generator stores: the artifact, plus the XL demonstrations' text in the task record
            lastStoredBytes = PromptArtifact.of(prompt, generator, java.time.Instant.EPOCH).toBytes().length
                    + IclFormat.renderDemonstrations(xl(examples, l)).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            return prefix(target, tokenizer, prompt, xl(examples, l));
        }
    }

    @Override
    public long lastStoredBytes() {
        return lastStoredBytes;
    }

    @Override
    public String name() {
        return "metal-prompt-" + generator.design().name().toLowerCase(java.util.Locale.ROOT) + "-k" + generator.k()
                + "-l" + l;
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
                case PREFIX -> xlIds.length == 0 ? duplicate(prompt.prefix())
                        : target.forward(ForwardInput.builder().setTokens(m.create(xlIds, new Shape(1, xlIds.length)), null)
                                .optPast(prompt.prefix()).build()).cache();
            };
            // keep only the cache: out of the scope, into the model's manager
            NDScope.unregister(cache.toNDList());
            cache.toNDList().attach(target.manager());
            return cache;
        }
    }

    private static KvCache duplicate(KvCache c) {
        return new KvCache(c.keys().stream().map(NDArray::duplicate).toList(),
                c.values().stream().map(NDArray::duplicate).toList(), c.mask().duplicate());
    }
}
