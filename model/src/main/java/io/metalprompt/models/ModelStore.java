package io.metalprompt.models;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A model store: a folder (a volume every service mounts at the same path) holding immutable model versions.
 *
 * <pre>
 * STORE/
 *   pgm/&lt;version&gt;/             a PGM version: one folder per design it holds, and version.json
 *     prefix/pgm.json            the PGM (pgm.json's "version" is the store version id)
 *     prefix/adapter.safetensors
 *     version.json               version, baseFingerprint, designs, createdAt, contentSha256, command, data, metrics
 *   base/&lt;version&gt;/            a base-LM version: config.json, model.safetensors, tokenizer.json, version.json
 *   .staging/                    versions being written (never read; leftovers of a killed writer may be deleted)
 * </pre>
 *
 * A version id is {@code <UTC time yyyyMMdd'T'HHmmss'Z'>-<first 8 hex of contentSha256>} (a {@code -2}, {@code -3}
 * ... suffix if that folder exists already), so ids sort by creation time. Nothing is overwritten: a version is
 * written completely under {@code .staging/}, its files flushed to disk, and then renamed into place in one atomic
 * step, so a reader sees a whole version or none. Plain files and JSON only (no model engine): the services,
 * the trainer and tests share it.
 */
public final class ModelStore {

    /** How a new version was made: the command line, the data it read (name to location) and its metrics. */
    public record Provenance(String command, Map<String, String> data, Map<String, Double> metrics) {
        public Provenance {
            command = command == null ? "" : command;
            data = data == null ? Map.of() : Map.copyOf(data);
            metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
        }
    }

    public static final String VERSION_FILE = "version.json";
    static final String STAGING = ".staging";
    private static final String PGM_CONFIG = "pgm.json";
    private static final String PGM_ADAPTER = "adapter.safetensors";
    private static final List<String> BASE_REQUIRED = List.of("config.json", "model.safetensors");
    private static final List<String> BASE_OPTIONAL = List.of("tokenizer.json");
    private static final Pattern VERSION_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final DateTimeFormatter ID_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path root;
    private final Clock clock;

    public ModelStore(Path root) {
        this(root, Clock.systemUTC());
    }

    public ModelStore(Path root, Clock clock) {
        this.root = root.toAbsolutePath().normalize();
        this.clock = clock;
    }

    public Path root() {
        return root;
    }

    /** {@code STORE/<kind>}: the folder of the versions of one kind. */
    public Path dir(ModelKind kind) {
        return root.resolve(kind.folder());
    }

    /** True for names a version id may have (they become folder names and parts of Redis keys). */
    public static boolean validVersionId(String id) {
        return id != null && VERSION_ID.matcher(id).matches();
    }

    // ---------------------------------------------------------------- writing

    /**
     * Adds a PGM version made of the PGM folders given ({@code pgm.json} + {@code adapter.safetensors} each; other
     * files such as checkpoints are not copied). All must be trained on the same base model and be of different
     * designs. Each lands in {@code <version>/<design in lower case>/} with {@code pgm.json}'s {@code version} set
     * to the new version id, which is the version the prompt-generator serves and names in every prompt.
     */
    public ModelVersion addPgm(List<Path> pgmFolders, Provenance provenance) {
        if (pgmFolders.isEmpty()) {
            throw new ModelStoreException("no PGM folder given");
        }
        Map<String, Path> byDesign = new TreeMap<>();
        String fingerprint = null;
        for (Path folder : pgmFolders) {
            JsonNode config = readPgmConfig(folder);
            String design = config.path("design").asText("");
            String fp = config.path("base_fingerprint").asText("");
            if (design.isEmpty() || fp.isEmpty()) {
                throw new ModelStoreException(folder.resolve(PGM_CONFIG) + " names no design or no base_fingerprint");
            }
            if (fingerprint != null && !fingerprint.equals(fp)) {
                throw new ModelStoreException("the PGMs given were trained on different base models (" + abbreviate(fingerprint)
                        + ", " + abbreviate(fp) + "): one version serves one base model");
            }
            fingerprint = fp;
            if (byDesign.put(design, folder) != null) {
                throw new ModelStoreException("two PGMs of design " + design + " given: a version holds one per design");
            }
            requireFile(folder.resolve(PGM_ADAPTER));
        }
        String sha = pgmContentSha256(pgmFolders);
        List<String> designs = List.copyOf(byDesign.keySet());
        String base = fingerprint;
        return write(ModelKind.PGM, sha, (staging, id) -> {
            for (Map.Entry<String, Path> e : byDesign.entrySet()) {
                Path target = staging.resolve(e.getKey().toLowerCase(Locale.ROOT));
                Files.createDirectories(target);
                DurableFiles.copy(e.getValue().resolve(PGM_ADAPTER), target.resolve(PGM_ADAPTER));
                ObjectNode config = (ObjectNode) readPgmConfig(e.getValue());
                config.put("version", id);
                DurableFiles.write(target.resolve(PGM_CONFIG), JSON.writeValueAsBytes(config));
            }
        }, id -> new ModelVersion(ModelKind.PGM, id, base, designs, clock.instant(), sha, provenance.command(),
                provenance.data(), provenance.metrics(), dir(ModelKind.PGM).resolve(id)));
    }

    /**
     * Adds a base-LM version: the Hugging Face folder's {@code config.json}, {@code model.safetensors} and (when
     * present) {@code tokenizer.json}. {@code fingerprint} is {@code LanguageModel.fingerprint()} of that model
     * (the caller loads it; this class needs no model engine).
     */
    public ModelVersion addBase(Path modelFolder, String fingerprint, Provenance provenance) {
        for (String f : BASE_REQUIRED) {
            requireFile(modelFolder.resolve(f));
        }
        if (fingerprint == null || fingerprint.isBlank()) {
            throw new ModelStoreException("a base-model version needs the model's fingerprint");
        }
        String sha = DurableFiles.sha256(List.of(modelFolder.resolve("model.safetensors")), List.of());
        return write(ModelKind.BASE, sha, (staging, id) -> {
            for (String f : Stream.concat(BASE_REQUIRED.stream(), BASE_OPTIONAL.stream()).toList()) {
                if (Files.isRegularFile(modelFolder.resolve(f))) {
                    DurableFiles.copy(modelFolder.resolve(f), staging.resolve(f));
                }
            }
        }, id -> new ModelVersion(ModelKind.BASE, id, fingerprint, List.of(), clock.instant(), sha, provenance.command(),
                provenance.data(), provenance.metrics(), dir(ModelKind.BASE).resolve(id)));
    }

    @FunctionalInterface
    private interface Contents {
        void writeTo(Path staging, String id) throws IOException;
    }

    @FunctionalInterface
    private interface Record {
        ModelVersion of(String id);
    }

    private ModelVersion write(ModelKind kind, String sha, Contents contents, Record record) {
        String stem = ID_TIME.format(clock.instant()) + "-" + sha.substring(0, 8);
        Path staging = root.resolve(STAGING).resolve(stem + "-" + UUID.randomUUID());
        try {
            Files.createDirectories(dir(kind));
            for (int attempt = 1; ; attempt++) {
                String id = attempt == 1 ? stem : stem + "-" + attempt;
                Path target = dir(kind).resolve(id);
                if (Files.exists(target)) {
                    continue;
                }
                DurableFiles.deleteTree(staging);
                Files.createDirectories(staging);
                contents.writeTo(staging, id);
                ModelVersion version = record.of(id);
                Path versionFile = staging.resolve(VERSION_FILE);
                version.write(versionFile);
                DurableFiles.force(versionFile);
                try {
                    Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    if (Files.exists(target)) {
                        continue;   // another writer took this id a moment ago: try the next suffix
                    }
                    throw e;
                }
                return version;
            }
        } catch (IOException e) {
            throw new ModelStoreException("cannot write a " + kind.folder() + " version into the store " + root + ": "
                    + e.getMessage(), e);
        } finally {
            try {
                DurableFiles.deleteTree(staging);
            } catch (IOException ignored) {
                // a leftover staging folder is never read
            }
        }
    }

    // ---------------------------------------------------------------- reading

    /** Every version of {@code kind}, oldest first (ids sort by creation time). */
    public List<ModelVersion> list(ModelKind kind) {
        Path dir = dir(kind);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(dir)) {
            return children.filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> Files.isRegularFile(p.resolve(VERSION_FILE)))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .map(ModelVersion::read)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** The version {@code id} of {@code kind}; fails naming the versions there are. */
    public ModelVersion get(ModelKind kind, String id) {
        if (!validVersionId(id)) {
            throw new ModelStoreException("'" + id + "' is not a version id");
        }
        Path dir = dir(kind).resolve(id);
        if (!Files.isRegularFile(dir.resolve(VERSION_FILE))) {
            List<String> known = list(kind).stream().map(ModelVersion::version).toList();
            throw new ModelStoreException("no " + kind.folder() + " version " + id + " in the store " + root
                    + (known.isEmpty() ? " (it has none)" : "; it has " + String.join(", ", known)));
        }
        return ModelVersion.read(dir);
    }

    /** The newest version of {@code kind} whose weights hash to {@code contentSha256}, if any. */
    public Optional<ModelVersion> findByContent(ModelKind kind, String contentSha256) {
        List<ModelVersion> all = new ArrayList<>(list(kind));
        java.util.Collections.reverse(all);
        return all.stream().filter(v -> v.contentSha256().equals(contentSha256)).findFirst();
    }

    /**
     * The hash a PGM version of these folders records: over each design's name and adapter weights, by design, and a
     * design's {@code padding.passes_kept} when above 1 (the same weights assembling prompts another way are another
     * version, not a copy of the stored one).
     */
    public static String pgmContentSha256(List<Path> pgmFolders) {
        Map<String, Path> byDesign = new TreeMap<>();
        Map<String, String> labels = new TreeMap<>();
        for (Path folder : pgmFolders) {
            JsonNode config = readPgmConfig(folder);
            String design = config.path("design").asText("");
            int kept = config.path("padding").path("passes_kept").asInt(1);
            byDesign.put(design, folder.resolve(PGM_ADAPTER));
            labels.put(design, kept > 1 ? design + "+passes_kept=" + kept : design);
        }
        return DurableFiles.sha256(List.copyOf(byDesign.values()), List.copyOf(labels.values()));
    }

    // ---------------------------------------------------------------- files

    private static JsonNode readPgmConfig(Path folder) {
        Path file = folder.resolve(PGM_CONFIG);
        requireFile(file);
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || !n.isObject()) {
                throw new ModelStoreException(file + " is not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new ModelStoreException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void requireFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ModelStoreException("missing " + file.toAbsolutePath());
        }
    }


    private static String abbreviate(String fingerprint) {
        return fingerprint.substring(0, Math.min(12, fingerprint.length()));
    }
}
