package io.metalprompt.prompt;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.lm.ForwardInput;
import io.metalprompt.lm.ForwardOutput;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.text.IclFormat;

/**
 * The prompt generation model (PGM): the frozen base LM's own weights (shared, never copied) read through a
 * {@link LoraAdapter}, with {@link TrainablePadding} rows placed among the XP examples ({@link PaddingLayout}).
 * ONE forward pass over XP tokens and k padding rows yields all k prompt positions, read out per
 * {@link PromptDesign}.
 *
 * <p>Episodes are batched: XP rows of different lengths are LEFT-padded (mask 0); positions come from the
 * mask's running sum, so each row's real tokens start at position 0 whatever its padding, and each row's
 * padding slots are gathered where its own layout put them ({@link PgmInputs}).
 *
 * <p>This class is the forward pass; {@link IterativeGeneration} drives it from examples to prompts, and
 * {@link PgmFiles} writes and reads a saved folder ({@value #CONFIG_FILE} and {@value #ADAPTER_FILE}).
 */
public final class PromptGenerator implements AutoCloseable {

    public static final String CONFIG_FILE = "pgm.json";
    public static final String ADAPTER_FILE = "adapter.safetensors";
    public static final int FORMAT_VERSION = 1;

    /** Gumbel-softmax straight-through sampling of DISCRETE prompts while training. */
    public record Gumbel(double temperature, Random random) {
        public Gumbel {
            if (!(temperature > 0)) {
                throw new IllegalArgumentException("Gumbel temperature must be positive, got " + temperature);
            }
        }
    }

    /** Where a PGM was loaded from: its {@code pgm.json} id and version, and the base fingerprint checked then. */
    record Saved(String id, String version, String baseFingerprint) {
        static final Saved NONE = new Saved("unsaved", "0", null);
    }

    private final LanguageModel base;
    private final LoraAdapter lora;
    private final TrainablePadding padding;
    private final PromptDesign design;
    private final int k;
    private final PaddingLayout layout;
    private final Saved saved;
    /** {@link LanguageModel#fingerprint()} of the base, computed at most once (the base is frozen). */
    private String baseFingerprint;
    /** The mean L2 norm of the base's word embeddings (HIDDEN_STATE rows are rescaled to it), computed at most once. */
    private float embeddingNorm = -1f;

    private PromptGenerator(LanguageModel base, LoraAdapter lora, TrainablePadding padding, PromptDesign design,
                            PaddingLayout layout, Saved saved) {
        this.k = padding.k();
        if (padding.config().dModel() != base.config().dModel()) {
            throw new IllegalArgumentException("padding width " + padding.config().dModel() + " != model width "
                    + base.config().dModel());
        }
        if (k >= base.config().maxPositions()) {
            throw new IllegalArgumentException("k=" + k + " leaves no room in " + base.config().maxPositions() + " positions");
        }
        this.base = base;
        this.lora = lora;
        this.padding = padding;
        this.design = design;
        this.layout = layout;
        this.saved = saved;
        this.baseFingerprint = saved.baseFingerprint();
    }

    /** A fresh PGM with the padding at the end (the paper's layout): zero-B LoRA and random padding from {@code seed}. */
    public static PromptGenerator create(LanguageModel base, LoraAdapter.Config loraConfig,
                                         TrainablePadding.Config paddingConfig, PromptDesign design, long seed) {
        return create(base, loraConfig, paddingConfig, design, PaddingLayout.end(), seed);
    }

    /** A fresh PGM whose padding rows stand per {@code layout}: zero-B LoRA and random padding from {@code seed}. */
    public static PromptGenerator create(LanguageModel base, LoraAdapter.Config loraConfig,
                                         TrainablePadding.Config paddingConfig, PromptDesign design,
                                         PaddingLayout layout, long seed) {
        return create(base, loraConfig, paddingConfig, design, layout, seed, Saved.NONE);
    }

    static PromptGenerator create(LanguageModel base, LoraAdapter.Config loraConfig, TrainablePadding.Config paddingConfig,
                                  PromptDesign design, PaddingLayout layout, long seed, Saved saved) {
        LoraAdapter lora = LoraAdapter.builder(base.config()).optConfig(loraConfig).optSeed(seed).build(base.manager());
        TrainablePadding padding = TrainablePadding.create(paddingConfig, base.manager(), seed + 1);
        return new PromptGenerator(base, lora, padding, design, layout, saved);
    }

    // ---------------------------------------------------------------- the forward pass

    /**
     * One PGM forward pass over B episodes. {@code xp}: each episode's XP token ids (may be empty).
     * {@code gumbel}: non-null to sample DISCRETE prompts straight-through (training); null reads argmax.
     * Inside a {@code GradientCollector} the result is differentiable w.r.t. LoRA and padding parameters.
     * Arrays are created in {@code m} and in the parameters' managers: call inside an {@code NDScope}.
     */
    public PromptBatch forward(NDManager m, List<long[]> xp, Gumbel gumbel) {
        return forward(m, xp, gumbel, null);
    }

    /**
     * As {@link #forward(NDManager, List, Gumbel)}, with each episode's {@code previous} prompt (same design, one
     * row per episode, or null) read before its XP: embeddings designs as input rows, PREFIX as past keys/values.
     * This is how iterative generation folds any number of examples into k positions.
     */
    public PromptBatch forward(NDManager m, List<long[]> xp, Gumbel gumbel, PromptBatch previous) {
        int b = xp.size();
        if (b == 0) {
            throw new IllegalArgumentException("no episodes");
        }
        if (previous != null && (previous.design() != design || previous.batchSize() != b)) {
            throw new IllegalArgumentException("the previous prompt must be a " + design + " prompt with " + b + " rows");
        }
        int t = xp.stream().mapToInt(r -> r.length).max().orElse(0);
        int p = previous == null ? 0 : previous.k();
        if (p + t + k > base.config().maxPositions()) {
            throw new IllegalArgumentException((p > 0 ? "previous prompt (" + p + ") + " : "") + "XP of " + t
                    + " tokens + k=" + k + " padding rows exceed the model's " + base.config().maxPositions()
                    + " positions: use fewer XP examples per pass (or iterative generation)");
        }
        NDArray pad = padding.forward().expandDims(0).repeat(0, b);                          // [B,k,d]
        boolean prevRows = previous != null && design != PromptDesign.PREFIX;               // embeddings designs
        PgmInputs in = PgmInputs.arrange(xp, k, layout, prevRows ? p : 0);
        long d = base.config().dModel();
        NDArray table = t > 0 ? base.embed(m.create(in.ids(), new Shape(b, t))).concat(pad, 1) : pad;   // [B,T+k,d]
        NDArray x = table.gather(m.create(in.source(), new Shape(b, t + k, 1)).repeat(2, d), 1);   // [B,T+k,d]
        if (prevRows) {
            x = previous.embeddings().concat(x, 1);                                         // [B,p+T+k,d]
        }
        ForwardInput.Builder input = ForwardInput.builder().optEmbeddings(x, m.create(in.mask(), new Shape(b, in.len())))
                .optAdapter(lora);
        if (previous != null && design == PromptDesign.PREFIX) {
            input.optPast(previous.prefix());
        }
        ForwardOutput out = base.forward(input.build());
        return ReadOut.at(design, base, m, out, m.create(in.slots(), new Shape(b, k, 1)), in.len(), gumbel,
                design == PromptDesign.HIDDEN_STATE ? embeddingNorm() : 0f);
    }

    // ---------------------------------------------------------------- from examples to prompts

    /** XP examples as the PGM reads them: {@link IclFormat#renderDemonstrations}, tokenized. */
    public static long[] xpTokens(List<TaskExample> xp, LmTokenizer tokenizer) {
        return xp.isEmpty() ? new long[0] : tokenizer.encode(IclFormat.renderDemonstrations(xp));
    }

    public GeneratedPrompt generate(List<TaskExample> xp, LmTokenizer tokenizer) {
        return generateAll(List.of(xp), tokenizer).get(0);
    }

    /** One prompt per episode, from one batched forward pass; each prompt owns its arrays. */
    public List<GeneratedPrompt> generateAll(List<List<TaskExample>> episodes, LmTokenizer tokenizer) {
        return IterativeGeneration.generateAll(this, episodes, tokenizer);
    }

    /**
     * Iterative generation for example sets of any size ({@link IterativeGeneration}): one pass when everything
     * fits (then it equals {@link #generate}), else passes over consecutive chunks, each reading the previous prompt.
     */
    public GeneratedPrompt generateIterative(List<TaskExample> examples, LmTokenizer tokenizer) {
        return IterativeGeneration.generateIterative(this, examples, tokenizer);
    }

    /**
     * {@link #generateIterative} for many example sets in batched passes (a burst of registrations): the sets that take
     * the same number of passes share each forward pass; each prompt equals the set's {@link #generateIterative}.
     */
    public List<GeneratedPrompt> generateIterativeAll(List<List<TaskExample>> sets, LmTokenizer tokenizer) {
        return IterativeGeneration.generateIterativeAll(this, sets, tokenizer);
    }

    /**
     * How many passes {@link #generateIterative} makes over {@code examples}; an {@link IllegalArgumentException}
     * saying why when an example does not fit a pass even alone.
     */
    public int passes(List<TaskExample> examples, LmTokenizer tokenizer) {
        return IterativeGeneration.passes(this, examples, tokenizer);
    }

    /**
     * An example set cut into the tokens of the passes {@link #generateIterative} makes over it, by the PGM that cut
     * it ({@link #chunked}): what {@link #generateChunkedAll} reads, so a set checked first is tokenized once.
     */
    public static final class Chunked {
        private final PromptGenerator by;
        private final List<long[]> chunks;

        private Chunked(PromptGenerator by, List<long[]> chunks) {
            this.by = by;
            this.chunks = List.copyOf(chunks);
        }

        /** How many passes the set takes. */
        public int passes() {
            return chunks.size();
        }

        /** The positions of the prompt the set gets ({@link #promptPositions}). */
        public int promptPositions() {
            return by.promptPositions(chunks.size());
        }
    }

    /**
     * The positions of a prompt made in {@code passes} passes: k, or with {@link PaddingLayout#passesKept} n > 1,
     * k for each of the last n passes.
     */
    public int promptPositions(int passes) {
        return Math.max(1, Math.min(passes, layout.passesKept())) * k;
    }

    /**
     * {@code examples} cut into the passes {@link #generateIterative} makes over them; an
     * {@link IllegalArgumentException} saying why when an example does not fit a pass even alone.
     */
    public Chunked chunked(List<TaskExample> examples, LmTokenizer tokenizer) {
        return new Chunked(this, IterativeGeneration.firstChunks(this, examples, tokenizer));
    }

    /** {@link #generateIterativeAll} of sets this PGM cut ({@link #chunked}): the same prompts, no tokenizing again. */
    public List<GeneratedPrompt> generateChunkedAll(List<Chunked> sets, LmTokenizer tokenizer) {
        for (Chunked c : sets) {
            if (c.by != this) {
                throw new IllegalArgumentException("an example set cut by another PGM (" + c.by.version() + ")");
            }
        }
        return IterativeGeneration.generateChunkedAll(this, sets.stream().map(c -> c.chunks).toList(), tokenizer);
    }

    /**
     * Iterative generation continued from {@code previous} (a prompt of this design, e.g. the one a task serves): each
     * pass reads the previous prompt and the next chunk of {@code examples}, the first pass {@code previous} itself.
     * How a task's next prompt version is made from the served one and new examples.
     */
    public GeneratedPrompt generateIterative(GeneratedPrompt previous, List<TaskExample> examples, LmTokenizer tokenizer) {
        return IterativeGeneration.generateFrom(this, previous, examples, tokenizer);
    }

    // ---------------------------------------------------------------- parameters and files

    /** Everything that trains: LoRA A/B, then padding embeddings, LSTM and MLP. */
    public Map<String, NDArray> parameters() {
        Map<String, NDArray> p = new LinkedHashMap<>(lora.parameters());
        p.putAll(padding.parameters());
        return p;
    }

    public void setTrainable(boolean trainable) {
        lora.setTrainable(trainable);
        padding.setTrainable(trainable);
    }

    /**
     * Writes {@value #ADAPTER_FILE} and {@value #CONFIG_FILE} ({@link PgmFiles}: design, k, LoRA and padding shapes,
     * the base fingerprint, a version id = hash of the adapter file, and {@code extra} such as the command line).
     * This object is unchanged; {@link #load} the folder for a PGM that carries the saved id and version.
     *
     * @return the version id written
     */
    public String save(Path dir, String pgmId, Map<String, ?> extra) {
        return PgmFiles.save(this, dir, pgmId, extra);
    }

    /** {@code root} itself when it holds a {@code pgm.json}, else its sub-folders that do. */
    public static List<Path> folders(Path root) {
        return PgmFiles.folders(root);
    }

    /**
     * Loads a saved PGM on top of {@code base}, which must be the model it was trained with: the fingerprint
     * recorded in {@value #CONFIG_FILE} is compared with {@code base.fingerprint()}.
     */
    public static PromptGenerator load(LanguageModel base, Path dir) {
        return PgmFiles.load(base, dir);
    }

    /**
     * {@link #load(LanguageModel, Path)} keeping the prompts of the last {@code passesKept} passes of iterative
     * generation instead of what {@code pgm.json} says (0 = as it says; {@link PaddingLayout#passesKept}).
     */
    public static PromptGenerator load(LanguageModel base, Path dir, int passesKept) {
        return PgmFiles.load(base, dir, passesKept);
    }

    public LanguageModel base() {
        return base;
    }

    /** The mean L2 norm of the base LM's word-embedding rows: the norm of every HIDDEN_STATE prompt row. */
    synchronized float embeddingNorm() {
        if (embeddingNorm < 0) {
            try (NDArray norms = base.tokenEmbeddingMatrix().norm(new int[] {1}); NDArray mean = norms.mean()) {
                embeddingNorm = mean.getFloat();
            }
        }
        return embeddingNorm;
    }

    /**
     * {@link LanguageModel#fingerprint()} of the base, computed once: it hashes every weight, and the base is
     * frozen while this PGM uses it, so artifacts can record it without re-hashing the model each time.
     */
    public synchronized String baseFingerprint() {
        if (baseFingerprint == null) {
            baseFingerprint = base.fingerprint();
        }
        return baseFingerprint;
    }

    public LoraAdapter lora() {
        return lora;
    }

    public TrainablePadding padding() {
        return padding;
    }

    public PromptDesign design() {
        return design;
    }

    public int k() {
        return k;
    }

    public PaddingPlacement placement() {
        return layout.placement();
    }

    public PaddingLayout layout() {
        return layout;
    }

    /** Name of the PGM ({@code id} of the {@code pgm.json} it was loaded from; "unsaved" for a new one). */
    public String id() {
        return saved.id();
    }

    /** Content hash of the loaded parameters ({@code version} of its {@code pgm.json}; "0" for a new one). */
    public String version() {
        return saved.version();
    }

    /** Closes the LoRA adapter and the padding (never the base model, which is shared). */
    @Override
    public void close() {
        lora.close();
        padding.close();
    }
}
