package io.metalprompt.prompt;

import io.metalprompt.events.PromptDesign;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import ai.djl.ndarray.NDManager;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.ModelLoadException;
import io.metalprompt.lm.Safetensors;
import io.metalprompt.train.Params;

/**
 * A saved PGM folder: {@value PromptGenerator#ADAPTER_FILE} (LoRA and padding parameters, safetensors) and
 * {@value PromptGenerator#CONFIG_FILE} ({@link Config}: what rebuilds the PGM on its base model, the base's
 * fingerprint, a version id = hash of the adapter file, and free-form {@code extra} such as the command line).
 */
final class PgmFiles {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** How a HIDDEN_STATE PGM's rows are read out: rescaled to the word-embedding norm ({@link ReadOut}). */
    static final String HIDDEN_ROWS = "embedding_norm";

    /**
     * {@value PromptGenerator#CONFIG_FILE}, field for field; the enums are written by name. {@code hidden_rows} only for
     * HIDDEN_STATE ({@value #HIDDEN_ROWS}): a HIDDEN_STATE file without it was meta-trained on unscaled rows.
     */
    @JsonPropertyOrder({"format", "id", "version", "design", "hidden_rows", "k", "lora", "padding", "base_model_type",
        "base_fingerprint", "extra"})
    record Config(Integer format, String id, String version, String design,
                  @JsonProperty("hidden_rows") @JsonInclude(JsonInclude.Include.NON_NULL) String hiddenRows, int k,
                  Lora lora, Padding padding, @JsonProperty("base_model_type") String baseModelType,
                  @JsonProperty("base_fingerprint") String baseFingerprint, Map<String, Object> extra) {
    }

    @JsonPropertyOrder({"rank", "alpha", "targets"})
    record Lora(int rank, double alpha, List<String> targets) {
    }

    /**
     * {@code terminator_id} only for INTERLEAVED; a file without {@code placement} is END (written before it existed);
     * {@code examples_per_pass} only when set (a file without it reads as many examples per pass as fit);
     * {@code passes_kept} only when above 1 (a file without it keeps the last pass's prompt).
     */
    @JsonPropertyOrder({"hidden", "lstm_layers", "placement", "terminator_id", "examples_per_pass", "passes_kept"})
    record Padding(int hidden, @JsonProperty("lstm_layers") int lstmLayers, String placement,
                   @JsonProperty("terminator_id") @JsonInclude(JsonInclude.Include.NON_NULL) Long terminatorId,
                   @JsonProperty("examples_per_pass") @JsonInclude(JsonInclude.Include.NON_NULL) Integer examplesPerPass,
                   @JsonProperty("passes_kept") @JsonInclude(JsonInclude.Include.NON_NULL) Integer passesKept) {
    }

    private PgmFiles() {
    }

    /**
     * Writes both files; returns the version id: the first 16 hex digits of the adapter file's SHA-256 ({@link #version}),
     * which also covers how the PGM's prompts are assembled when that differs from the paper's mode.
     */
    static String save(PromptGenerator pgm, Path dir, String pgmId, Map<String, ?> extra) {
        try {
            Files.createDirectories(dir);
            Path adapter = dir.resolve(PromptGenerator.ADAPTER_FILE);
            Safetensors.write(adapter, pgm.parameters());
            PaddingLayout layout = pgm.layout();
            String version = version(Files.readAllBytes(adapter), layout.passesKept());
            Padding padding = new Padding(pgm.padding().config().hidden(), pgm.padding().config().lstmLayers(),
                    layout.placement().name(), layout.placement() == PaddingPlacement.INTERLEAVED ? layout.terminator()
                    : null, layout.examplesPerPass() > 0 ? layout.examplesPerPass() : null,
                    layout.passesKept() > 1 ? layout.passesKept() : null);
            LoraAdapter.Config lora = pgm.lora().config();
            Config c = new Config(PromptGenerator.FORMAT_VERSION, pgmId, version, pgm.design().name(),
                    pgm.design() == PromptDesign.HIDDEN_STATE ? HIDDEN_ROWS : null, pgm.k(),
                    new Lora(lora.rank(), lora.alpha(), lora.targets()), padding,
                    pgm.base().config().family().modelType(), pgm.baseFingerprint(), new LinkedHashMap<>(extra));
            JSON.writeValue(dir.resolve(PromptGenerator.CONFIG_FILE).toFile(), c);
            return version;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the PGM to " + dir.toAbsolutePath(), e);
        }
    }

    /**
     * Loads a saved PGM on top of {@code base}, which must be the model it was trained with: the fingerprint
     * recorded in {@value PromptGenerator#CONFIG_FILE} is compared with {@code base.fingerprint()}.
     */
    static PromptGenerator load(LanguageModel base, Path dir) {
        return load(base, dir, 0);
    }

    /**
     * {@link #load(LanguageModel, Path)} with its prompts keeping the last {@code passesKept} passes instead of what
     * {@code pgm.json} says (0 = as it says), e.g. to measure both ways with one PGM; its version is then the one
     * {@link #save} would write for that setting.
     */
    static PromptGenerator load(LanguageModel base, Path dir, int passesKept) {
        Path file = dir.resolve(PromptGenerator.CONFIG_FILE);
        Config c = read(file);
        String expected = c.baseFingerprint() == null ? "" : c.baseFingerprint();
        String actual = base.fingerprint();
        if (!expected.equals(actual)) {
            throw new ModelLoadException("the PGM in " + dir.toAbsolutePath() + " was trained on base model "
                    + abbreviate(expected) + " but the loaded base model is " + abbreviate(actual)
                    + ": load the base model it was meta-trained with");
        }
        PromptDesign design = parse(PromptDesign.class, c.design(), "design", file);
        if (design == PromptDesign.HIDDEN_STATE && !HIDDEN_ROWS.equals(c.hiddenRows())) {
            throw new ModelLoadException(file.toAbsolutePath() + " is a HIDDEN_STATE PGM meta-trained before its rows "
                    + "were rescaled to the word-embedding norm (it has no \"hidden_rows\" : \"" + HIDDEN_ROWS
                    + "\"): this build would make other prompts than it was trained for; meta-train it again");
        }
        Padding p = c.padding() == null ? new Padding(0, 0, null, null, null, null) : c.padding();
        PaddingPlacement placement = parse(PaddingPlacement.class, p.placement() == null ? "END" : p.placement(),
                "padding placement", file);
        if (placement == PaddingPlacement.INTERLEAVED && (p.terminatorId() == null || p.terminatorId() < 0)) {
            throw new ModelLoadException(file.toAbsolutePath() + " has INTERLEAVED padding but no terminator_id");
        }
        PaddingLayout layout = (placement == PaddingPlacement.INTERLEAVED ? PaddingLayout.interleaved(p.terminatorId())
                : PaddingLayout.end()).withExamplesPerPass(p.examplesPerPass() == null ? 0 : p.examplesPerPass())
                .withPassesKept(p.passesKept() == null ? 1 : p.passesKept());
        String version = text(c.version());
        if (passesKept > 0 && passesKept != layout.passesKept()) {
            layout = layout.withPassesKept(passesKept);
            try {
                version = version(Files.readAllBytes(dir.resolve(PromptGenerator.ADAPTER_FILE)), passesKept);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + dir.resolve(PromptGenerator.ADAPTER_FILE), e);
            }
        }
        Lora l = c.lora() == null ? new Lora(0, 0, List.of()) : c.lora();
        LoraAdapter.Config lc = new LoraAdapter.Config(l.rank(), l.alpha(), l.targets() == null ? List.of() : l.targets());
        TrainablePadding.Config pc = new TrainablePadding.Config(c.k(), base.config().dModel(), p.hidden(), p.lstmLayers());
        PromptGenerator g = PromptGenerator.create(base, lc, pc, design, layout, 0,
                new PromptGenerator.Saved(text(c.id()), version, actual));
        try (NDManager m = NDManager.newBaseManager()) {
            Params.copy(Safetensors.read(dir.resolve(PromptGenerator.ADAPTER_FILE), m), g.parameters(),
                    "PGM " + dir.toAbsolutePath());
        } catch (RuntimeException e) {
            g.close();
            throw e;
        }
        return g;
    }

    /** {@code pgm.json} of the format this build reads. */
    private static Config read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException("no PGM in " + file.getParent().toAbsolutePath() + ": "
                    + PromptGenerator.CONFIG_FILE + " not found");
        }
        Config c;
        try {
            c = JSON.readValue(file.toFile(), Config.class);
        } catch (IOException e) {
            throw new ModelLoadException("cannot parse " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        if (c.format() == null || c.format() != PromptGenerator.FORMAT_VERSION) {
            throw new ModelLoadException(file.toAbsolutePath() + " has format " + (c.format() == null ? "" : c.format())
                    + "; this build reads format " + PromptGenerator.FORMAT_VERSION);
        }
        return c;
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String name, String what, Path file) {
        try {
            return Enum.valueOf(type, name == null ? "" : name);
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException("unknown " + what + " \"" + name + "\" in " + file.toAbsolutePath());
        }
    }

    /** {@code root} itself when it holds a {@code pgm.json}, else its sub-folders that do. */
    static List<Path> folders(Path root) {
        if (Files.isRegularFile(root.resolve(PromptGenerator.CONFIG_FILE))) {
            return List.of(root);
        }
        if (!Files.isDirectory(root)) {
            throw new ModelLoadException("no PGM at " + root.toAbsolutePath() + " ");
        }
        try (Stream<Path> children = Files.list(root)) {
            List<Path> found = children.filter(d -> Files.isRegularFile(d.resolve(PromptGenerator.CONFIG_FILE)))
                    .sorted().toList();
            if (found.isEmpty()) {
                throw new ModelLoadException("no " + PromptGenerator.CONFIG_FILE + " in " + root.toAbsolutePath()
                        + " or its sub-folders");
            }
            return found;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + root, e);
        }
    }

    private static String text(String s) {
        return s == null ? "" : s;
    }

    private static String abbreviate(String fingerprint) {
        return fingerprint.isEmpty() ? "(none recorded)" : fingerprint.substring(0, Math.min(16, fingerprint.length()));
    }

    /**
     * A PGM's version: the first 16 hex digits of the SHA-256 of its adapter file, followed, when its prompts keep
     * more than one pass ({@link PaddingLayout#passesKept}), by {@code "\npasses_kept=<n>"}: the same weights assembling
     * prompts another way make other prompts, so they are another version (stored prompts are remade on rollout).
     */
    static String version(byte[] adapterFile, int passesKept) {
        if (passesKept <= 1) {
            return sha256(adapterFile).substring(0, 16);
        }
        byte[] suffix = ("\npasses_kept=" + passesKept).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] all = java.util.Arrays.copyOf(adapterFile, adapterFile.length + suffix.length);
        System.arraycopy(suffix, 0, all, adapterFile.length, suffix.length);
        return sha256(all).substring(0, 16);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
