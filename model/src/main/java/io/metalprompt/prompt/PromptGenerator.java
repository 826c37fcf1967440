package io.metalprompt.prompt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.stream.Stream;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.lm.ForwardInput;
import io.metalprompt.lm.ForwardOutput;
import io.metalprompt.lm.KvCache;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.lm.ModelLoadException;
import io.metalprompt.lm.Safetensors;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.text.IclFormat;

/**
 * The prompt generation model (PGM): the frozen base LM's own weights (shared, never copied) read through a
 * {@link LoraAdapter}, with {@link TrainablePadding} rows appended after the XP examples. ONE forward pass
 * over XP tokens and k padding rows yields all k prompt positions, read out per {@link PromptDesign}. The rows
 * stand after XP ({@link PaddingPlacement#END}, the paper's layout) or after each example's terminator
 * ({@link PaddingPlacement#INTERLEAVED}).
 *
 * <p>Episodes are batched: XP rows of different lengths are LEFT-padded (mask 0); positions come from the
 * mask's running sum, so each row's real tokens start at position 0 whatever its padding, and each row's
 * padding slots are gathered where its own layout put them.
 *
 * <p>A folder saved by {@link #save} holds {@value #CONFIG_FILE} and {@value #ADAPTER_FILE}.
 */
public final class PromptGenerator implements AutoCloseable {

    public static final String CONFIG_FILE = "pgm.json";
    public static final String ADAPTER_FILE = "adapter.safetensors";
    public static final int FORMAT_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Gumbel-softmax straight-through sampling of DISCRETE prompts while training. */
    public record Gumbel(double temperature, Random random) {
        public Gumbel {
            if (!(temperature > 0)) {
                throw new IllegalArgumentException("Gumbel temperature must be positive, got " + temperature);
            }
        }
    }

    private final LanguageModel base;
    private final LoraAdapter lora;
    private final TrainablePadding padding;
    private final PromptDesign design;
    private final int k;
    private final PaddingPlacement placement;
    /** The token that ends an example in XP ({@link IclFormat#TERMINATOR}); INTERLEAVED places rows after it. */
    private final long terminator;
    private String id = "unsaved";
    private String baseFingerprint;
    private String version = "0";

    public PromptGenerator(LanguageModel base, LoraAdapter lora, TrainablePadding padding, PromptDesign design, int k) {
        this(base, lora, padding, design, k, PaddingPlacement.END, -1);
    }

    /** {@code terminator}: the token id ending an example (needed by {@link PaddingPlacement#INTERLEAVED}). */
    public PromptGenerator(LanguageModel base, LoraAdapter lora, TrainablePadding padding, PromptDesign design, int k,
                           PaddingPlacement placement, long terminator) {
        if (placement == PaddingPlacement.INTERLEAVED && terminator < 0) {
            throw new IllegalArgumentException("INTERLEAVED padding needs the id of the token that ends an example");
        }
        if (padding.k() != k) {
            throw new IllegalArgumentException("padding has " + padding.k() + " rows but k=" + k);
        }
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
        this.k = k;
        this.placement = placement;
        this.terminator = terminator;
    }

    /** A fresh PGM with the padding at the end (the paper's layout): zero-B LoRA and random padding from {@code seed}. */
    public static PromptGenerator create(LanguageModel base, LoraAdapter.Config loraConfig,
                                         TrainablePadding.Config paddingConfig, PromptDesign design, long seed) {
        return create(base, loraConfig, paddingConfig, design, PaddingPlacement.END, -1, seed);
    }

    /** A fresh PGM with its padding rows placed per {@code placement} ({@code terminator}: see the constructor). */
    public static PromptGenerator create(LanguageModel base, LoraAdapter.Config loraConfig, TrainablePadding.Config paddingConfig,
                                         PromptDesign design, PaddingPlacement placement, long terminator, long seed) {
        LoraAdapter lora = LoraAdapter.builder(base.config()).optConfig(loraConfig).optSeed(seed).build(base.manager());
        TrainablePadding padding = TrainablePadding.create(paddingConfig, base.manager(), seed + 1);
        return new PromptGenerator(base, lora, padding, design, paddingConfig.k(), placement, terminator);
    }

    /** The id of {@link IclFormat#TERMINATOR} in {@code tokenizer}, which must encode it as one token. */
    public static long terminatorId(LmTokenizer tokenizer) {
        long[] ids = tokenizer.encode(IclFormat.TERMINATOR);
        if (ids.length != 1) {
            throw new IllegalArgumentException("the tokenizer splits the example terminator \"" + IclFormat.TERMINATOR
                    + "\" into " + ids.length + " tokens; INTERLEAVED padding needs it as one token");
        }
        return ids[0];
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
        // row layout: [previous prompt rows (p, embeddings designs) ; left padding ; XP tokens and the k padding
        // rows, placed per the PaddingPlacement] (positions are the running sum of the mask, so the masked gap is
        // invisible to the model)
        boolean prevRows = previous != null && design != PromptDesign.PREFIX;
        int lead = prevRows ? p : 0;
        int len = lead + t + k;
        long[] msk = new long[b * len];
        long[] ids = new long[b * t];
        long[] source = new long[b * (t + k)];   // per slot after the lead: its row of [XP embeddings (T) ; padding (k)]
        long[] slots = new long[b * k];          // per padding row: its slot in the row of len inputs
        for (int i = 0; i < b; i++) {
            long[] r = xp.get(i);
            int off = t - r.length;                                                          // left padding
            System.arraycopy(r, 0, ids, i * t + off, r.length);
            for (int j = 0; j < len; j++) {
                msk[i * len + j] = j < lead || j >= lead + off ? 1 : 0;
            }
            int[] padAt = placement.slots(r, k, terminator);                                 // within [XP ; k]
            int next = 0;                                                                    // next XP token
            for (int j = 0; j < off; j++) {
                source[i * (t + k) + j] = j;                                                 // masked, any row
            }
            for (int j = 0, row = 0; j < r.length + k; j++) {
                boolean isPad = row < k && padAt[row] == j;
                source[i * (t + k) + off + j] = isPad ? t + row : off + next;
                if (isPad) {
                    slots[i * k + row++] = lead + off + j;
                } else {
                    next++;
                }
            }
        }
        long d = base.config().dModel();
        NDArray table = t > 0 ? base.embed(m.create(ids, new Shape(b, t))).concat(pad, 1) : pad;   // [B,T+k,d]
        NDArray x = table.gather(m.create(source, new Shape(b, t + k, 1)).repeat(2, d), 1);    // [B,T+k,d]
        if (prevRows) {
            x = previous.embeddings().concat(x, 1);                                         // [B,p+T+k,d]
        }
        NDArray mask = m.create(msk, new Shape(b, len));
        ForwardInput.Builder in = ForwardInput.builder().optEmbeddings(x, mask).optAdapter(lora);
        if (previous != null && design == PromptDesign.PREFIX) {
            in.optPast(previous.prefix());
        }
        ForwardOutput out = base.forward(in.build());
        NDArray at = m.create(slots, new Shape(b, k, 1));                                      // [B,k,1]
        return switch (design) {
            case DISCRETE -> discrete(m, rowsAt(out.logits(), at), gumbel);
            case WEIGHTED_SUM -> weightedSum(base, rowsAt(out.logits(), at), k);
            case HIDDEN_STATE -> new PromptBatch(design, k, null, rowsAt(out.finalHidden(), at), null);
            case PREFIX -> {
                NDArray kvAt = at.add(out.cache().length() - len);                             // after any past
                List<NDArray> keys = new ArrayList<>();
                List<NDArray> values = new ArrayList<>();
                for (int l = 0; l < out.cache().layers(); l++) {
                    keys.add(kvRowsAt(out.cache().keys().get(l), kvAt));                      // [B,K,k,hd]
                    values.add(kvRowsAt(out.cache().values().get(l), kvAt));
                }
                yield new PromptBatch(design, k, null, null,
                        new KvCache(keys, values, m.ones(new Shape(b, k), DataType.INT64)));
            }
        };
    }

    /** {@code a [B,L,X]} at each row's own slots {@code at [B,k,1]}: {@code [B,k,X]}. */
    private static NDArray rowsAt(NDArray a, NDArray at) {
        return a.gather(at.repeat(2, a.getShape().get(2)), 1);
    }

    /** Keys or values {@code a [B,K,S,hd]} at each row's own slots {@code at [B,k,1]}: {@code [B,K,k,hd]}. */
    private static NDArray kvRowsAt(NDArray a, NDArray at) {
        Shape s = a.getShape();
        return a.gather(at.expandDims(1).repeat(1, s.get(1)).repeat(3, s.get(3)), 2);
    }

    /** WEIGHTED_SUM read-out: softmax over the vocabulary times the LM's word embeddings. logits [B,k,V]. */
    static PromptBatch weightedSum(LanguageModel base, NDArray logits, int k) {
        NDArray probs = logits.softmax(-1);                                                   // [B,k,V]
        NDArray emb = probs.matMul(base.tokenEmbeddingMatrix());                              // [B,k,d]
        return new PromptBatch(PromptDesign.WEIGHTED_SUM, k, probs.argMax(-1), emb, null);
    }

    /** DISCRETE read-out: argmax ids; while training, Gumbel-softmax straight-through one-hot x embeddings. */
    private PromptBatch discrete(NDManager m, NDArray logits, Gumbel gumbel) {
        if (gumbel == null) {
            NDArray ids = logits.argMax(-1);                                                  // [B,k]
            return new PromptBatch(PromptDesign.DISCRETE, k, ids, base.embed(ids), null);
        }
        Shape s = logits.getShape();                                                          // [B,k,V]
        float[] g = new float[(int) s.size()];
        for (int i = 0; i < g.length; i++) {
            double u = Math.max(gumbel.random().nextDouble(), 1e-12);
            g[i] = (float) -Math.log(-Math.log(u));
        }
        NDArray soft = logits.add(m.create(g, s)).div((float) gumbel.temperature()).softmax(-1);  // [B,k,V]
        NDArray ids = soft.argMax(-1);                                                        // [B,k]
        NDArray hard = ids.oneHot((int) s.get(2), DataType.FLOAT32);                          // [B,k,V]
        NDArray st = hard.sub(soft.stopGradient()).add(soft);                                 // forward hard, backward soft
        return new PromptBatch(PromptDesign.DISCRETE, k, ids, st.matMul(base.tokenEmbeddingMatrix()), null);
    }

    // ---------------------------------------------------------------- serving

    /** XP examples as the PGM reads them: {@link IclFormat#renderDemonstrations}, tokenized. */
    public static long[] xpTokens(List<TaskExample> xp, LmTokenizer tokenizer) {
        return xp.isEmpty() ? new long[0] : tokenizer.encode(IclFormat.renderDemonstrations(xp));
    }

    /** One prompt per episode, from one batched forward pass; each prompt owns its arrays. */
    public List<GeneratedPrompt> generateAll(List<List<TaskExample>> episodes, LmTokenizer tokenizer) {
        List<long[]> xp = episodes.stream().map(e -> xpTokens(e, tokenizer)).toList();
        try (NDScope scope = new NDScope(); NDManager m = base.manager().newSubManager()) {
            return toPrompts(forward(m, xp, null), tokenizer);
        }
    }

    /**
     * Iterative generation for example sets of any size: the examples are cut into consecutive chunks that fit
     * the context next to the previous prompt and the padding; each pass reads [previous prompt ; chunk and
     * padding], and the last pass's prompt is the result. One pass when everything fits (then it equals
     * {@link #generate}). A single example that does not fit even alone is an error.
     */
    public GeneratedPrompt generateIterative(List<TaskExample> examples, LmTokenizer tokenizer) {
        List<long[]> chunks = new ArrayList<>();
        int budgetFirst = base.config().maxPositions() - k;
        int budget = base.config().maxPositions() - 2 * k;
        int from = 0;
        while (from < examples.size() || chunks.isEmpty()) {
            int limit = chunks.isEmpty() ? budgetFirst : budget;
            int to = from;
            long[] best = new long[0];
            while (to < examples.size()) {
                long[] ids = xpTokens(examples.subList(from, to + 1), tokenizer);
                if (ids.length > limit) {
                    break;
                }
                best = ids;
                to++;
            }
            if (to == from && from < examples.size()) {
                throw new IllegalArgumentException("example " + from + " alone takes more than the " + limit
                        + " positions a pass leaves for examples");
            }
            chunks.add(best);
            from = to;
        }
        try (NDScope scope = new NDScope(); NDManager m = base.manager().newSubManager()) {
            PromptBatch previous = null;
            for (long[] chunk : chunks) {
                previous = forward(m, List.of(chunk), null, previous);
            }
            return toPrompts(previous, tokenizer).get(0);
        }
    }

    /** Copies each row of {@code batch} into its own {@link GeneratedPrompt} (outside any enclosing scope). */
    private List<GeneratedPrompt> toPrompts(PromptBatch batch, LmTokenizer tokenizer) {
        List<GeneratedPrompt> prompts = new ArrayList<>();
        try {
            for (int i = 0; i < batch.batchSize(); i++) {
                NDIndex row = new NDIndex("{}:{}", i, i + 1);
                long[] ids = batch.tokenIds() == null ? null : batch.tokenIds().get(row).toLongArray();
                String text = design == PromptDesign.DISCRETE ? tokenizer.decode(ids) : null;
                Map<String, NDArray> tensors = new LinkedHashMap<>();
                if (batch.embeddings() != null && design != PromptDesign.DISCRETE) {
                    tensors.put("embeddings", batch.embeddings().get(row));
                }
                if (batch.prefix() != null) {
                    for (int l = 0; l < batch.prefix().layers(); l++) {
                        tensors.put("keys." + l, batch.prefix().keys().get(l).get(row));
                        tensors.put("values." + l, batch.prefix().values().get(l).get(row));
                    }
                }
                prompts.add(GeneratedPrompt.of(base.manager(), design, k, ids, text, tensors));
            }
        } catch (RuntimeException e) {
            prompts.forEach(GeneratedPrompt::close);
            throw e;
        }
        return prompts;
    }

    public GeneratedPrompt generate(List<TaskExample> xp, LmTokenizer tokenizer) {
        return generateAll(List.of(xp), tokenizer).get(0);
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

    public LanguageModel base() {
        return base;
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
        return placement;
    }

    /** Name of the saved PGM ("unsaved" before {@link #save} or {@link #load}). */
    public String id() {
        return id;
    }

    /** Content hash of the saved parameters ("0" before {@link #save} or {@link #load}). */
    public String version() {
        return version;
    }

    /**
     * Writes {@value #ADAPTER_FILE} and {@value #CONFIG_FILE} (design, k, LoRA and padding shapes, the base
     * fingerprint, a version id = hash of the adapter file, and {@code extra} such as the command line).
     */
    public void save(Path dir, String pgmId, Map<String, ?> extra) {
        try {
            Files.createDirectories(dir);
            Path adapter = dir.resolve(ADAPTER_FILE);
            Safetensors.write(adapter, parameters());
            String hash = sha256(Files.readAllBytes(adapter)).substring(0, 16);
            ObjectNode c = JSON.createObjectNode();
            c.put("format", FORMAT_VERSION);
            c.put("id", pgmId);
            c.put("version", hash);
            c.put("design", design.name());
            c.put("k", k);
            ObjectNode l = c.putObject("lora");
            l.put("rank", lora.config().rank());
            l.put("alpha", lora.config().alpha());
            lora.config().targets().forEach(l.putArray("targets")::add);
            ObjectNode p = c.putObject("padding");
            p.put("hidden", padding.config().hidden());
            p.put("lstm_layers", padding.config().lstmLayers());
            p.put("placement", placement.name());
            if (placement == PaddingPlacement.INTERLEAVED) {
                p.put("terminator_id", terminator);
            }
            c.put("base_model_type", base.config().family().modelType());
            c.put("base_fingerprint", baseFingerprint());
            ObjectNode x = c.putObject("extra");
            extra.forEach((key, value) -> x.set(key, JSON.valueToTree(value)));
            JSON.writeValue(dir.resolve(CONFIG_FILE).toFile(), c);
            this.id = pgmId;
            this.version = hash;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the PGM to " + dir.toAbsolutePath(), e);
        }
    }

    /** {@code root} itself when it holds a {@code pgm.json}, else its sub-folders that do. */
    public static List<Path> folders(Path root) {
        if (Files.isRegularFile(root.resolve(CONFIG_FILE))) {
            return List.of(root);
        }
        if (!Files.isDirectory(root)) {
            throw new ModelLoadException("no PGM at " + root.toAbsolutePath() + " ");
        }
        try (Stream<Path> children = Files.list(root)) {
            List<Path> found = children.filter(d -> Files.isRegularFile(d.resolve(CONFIG_FILE)))
                    .sorted().toList();
            if (found.isEmpty()) {
                throw new ModelLoadException("no " + CONFIG_FILE + " in " + root.toAbsolutePath()
                        + " or its sub-folders");
            }
            return found;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + root, e);
        }
    }

    /**
     * Loads a saved PGM on top of {@code base}, which must be the model it was trained with: the fingerprint
     * recorded in {@value #CONFIG_FILE} is compared with {@code base.fingerprint()}.
     */
    public static PromptGenerator load(LanguageModel base, Path dir) {
        Path config = dir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(config)) {
            throw new ModelLoadException("no PGM in " + dir.toAbsolutePath() + ": " + CONFIG_FILE + " not found");
        }
        JsonNode c;
        try {
            c = JSON.readTree(config.toFile());
        } catch (IOException e) {
            throw new ModelLoadException("cannot parse " + config.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        if (c.path("format").asInt(-1) != FORMAT_VERSION) {
            throw new ModelLoadException(config.toAbsolutePath() + " has format " + c.path("format")
                    + "; this build reads format " + FORMAT_VERSION);
        }
        String expected = c.path("base_fingerprint").asText("");
        String actual = base.fingerprint();
        if (!expected.equals(actual)) {
            throw new ModelLoadException("the PGM in " + dir.toAbsolutePath() + " was trained on base model "
                    + abbreviate(expected) + " but the loaded base model is " + abbreviate(actual)
                    + ": load the base model it was meta-trained with");
        }
        PromptDesign design;
        try {
            design = PromptDesign.valueOf(c.path("design").asText(""));
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException("unknown design " + c.path("design") + " in " + config.toAbsolutePath());
        }
        int k = c.path("k").asInt();
        List<String> targets = new ArrayList<>();
        c.path("lora").path("targets").forEach(n -> targets.add(n.asText()));
        LoraAdapter.Config lc = new LoraAdapter.Config(c.path("lora").path("rank").asInt(),
                c.path("lora").path("alpha").asDouble(), targets);
        TrainablePadding.Config pc = new TrainablePadding.Config(k, base.config().dModel(),
                c.path("padding").path("hidden").asInt(), c.path("padding").path("lstm_layers").asInt());
        PaddingPlacement placement;
        try {
            placement = PaddingPlacement.valueOf(c.path("padding").path("placement").asText("END"));
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException("unknown padding placement " + c.path("padding").path("placement") + " in "
                    + config.toAbsolutePath());
        }
        long terminator = c.path("padding").path("terminator_id").asLong(-1);
        if (placement == PaddingPlacement.INTERLEAVED && terminator < 0) {
            throw new ModelLoadException(config.toAbsolutePath() + " has INTERLEAVED padding but no terminator_id");
        }
        PromptGenerator g = create(base, lc, pc, design, placement, terminator, 0);
        g.baseFingerprint = actual;
        try {
            Path adapter = dir.resolve(ADAPTER_FILE);
            try (NDManager m = NDManager.newBaseManager()) {
                Params.copy(Safetensors.read(adapter, m), g.parameters(), "PGM " + dir.toAbsolutePath());
            }
        } catch (RuntimeException e) {
            g.close();
            throw e;
        }
        g.id = c.path("id").asText("");
        g.version = c.path("version").asText("");
        return g;
    }

    private static String abbreviate(String fingerprint) {
        return fingerprint.isEmpty() ? "(none recorded)" : fingerprint.substring(0, Math.min(16, fingerprint.length()));
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Closes the LoRA adapter and the padding (never the base model, which is shared). */
    @Override
    public void close() {
        lora.close();
        padding.close();
    }
}
