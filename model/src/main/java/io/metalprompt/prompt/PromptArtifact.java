package io.metalprompt.prompt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.lm.ModelLoadException;

/**
 * A generated prompt as a self-describing, versioned blob (what is cached and shipped to inference workers).
 *
 * <pre>
 * offset  size  field
 * 0       4     magic "MLPA"
 * 4       4     format version (uint32 LE), currently {@value #FORMAT_VERSION}
 * 8       4     metadata length J (uint32 LE)
 * 12      J     metadata, UTF-8 JSON: design, k, pgmId, pgmVersion, baseFingerprint, createdAt, promptText, tokenIds,
 *               encoding (absent = F32)
 * 12+J    8     tensor section length S (uint64 LE)
 * 20+J    S     tensors as a safetensors file: "embeddings" [1,k,d], or "keys.l"/"values.l" [1,K,k,hd], in the
 *               {@link PromptEncoding} the metadata names (F32, F16, or I8 with "name.scale" [..., 1] F32)
 * </pre>
 * DISCRETE prompts carry no tensors: the token ids are the prompt. Tensors are held as Java float arrays — the values
 * the blob holds, so a compact artifact serves exactly what a reader of its bytes serves — and the tensor section
 * as written, so an artifact read from bytes writes the same bytes. An artifact needs no engine until
 * {@link #toPrompt} puts it on a model's manager.
 */
public final class PromptArtifact {

    public static final int FORMAT_VERSION = 1;
    private static final byte[] MAGIC = {'M', 'L', 'P', 'A'};
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A float tensor: shape and row-major values. */
    public record Tensor(long[] shape, float[] data) {
        public Tensor {
            long n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            if (n != data.length) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " values, got " + data.length);
            }
        }
    }

    private final PromptDesign design;
    private final int k;
    private final String pgmId;
    private final String pgmVersion;
    private final String baseFingerprint;
    private final Instant createdAt;
    private final String promptText;
    private final long[] tokenIds;
    private final Map<String, Tensor> tensors;
    private final PromptEncoding encoding;
    private final byte[] section;

    /** An F32 (lossless) artifact of {@code tensors}. */
    public PromptArtifact(PromptDesign design, int k, String pgmId, String pgmVersion, String baseFingerprint,
                          Instant createdAt, String promptText, long[] tokenIds, Map<String, Tensor> tensors) {
        this(design, k, pgmId, pgmVersion, baseFingerprint, createdAt, promptText, tokenIds, tensors, PromptEncoding.F32,
                PromptTensorCodec.encode(tensors, PromptEncoding.F32));
    }

    private PromptArtifact(PromptDesign design, int k, String pgmId, String pgmVersion, String baseFingerprint,
                           Instant createdAt, String promptText, long[] tokenIds, Map<String, Tensor> tensors,
                           PromptEncoding encoding, byte[] section) {
        this.design = design;
        this.k = k;
        this.pgmId = pgmId;
        this.pgmVersion = pgmVersion;
        this.baseFingerprint = baseFingerprint;
        this.createdAt = createdAt;
        this.promptText = promptText;
        this.tokenIds = tokenIds == null ? null : tokenIds.clone();
        this.tensors = Map.copyOf(new LinkedHashMap<>(tensors));
        this.encoding = encoding;
        this.section = section;
    }

    /** Captures {@code prompt} (copied to Java arrays) with the PGM it came from, lossless (F32). */
    public static PromptArtifact of(GeneratedPrompt prompt, PromptGenerator pgm, Instant createdAt) {
        return of(prompt, pgm, createdAt, PromptEncoding.F32);
    }

    /**
     * Captures {@code prompt} with the PGM it came from, its tensors stored in {@code encoding}: the artifact holds
     * the values its bytes hold (a compact encoding's rounding included). A prompt without tensors (DISCRETE) is F32
     * whatever {@code encoding} says: there is nothing to encode.
     */
    public static PromptArtifact of(GeneratedPrompt prompt, PromptGenerator pgm, Instant createdAt, PromptEncoding encoding) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        prompt.tensors().forEach((name, a) -> t.put(name, new Tensor(a.getShape().getShape(), floats(a))));
        PromptEncoding e = t.isEmpty() ? PromptEncoding.F32 : encoding;
        byte[] section = PromptTensorCodec.encode(t, e);
        return new PromptArtifact(prompt.design(), prompt.k(), pgm.id(), pgm.version(), pgm.baseFingerprint(),
                createdAt, prompt.design() == PromptDesign.DISCRETE ? prompt.text() : null, prompt.tokenIds(),
                e == PromptEncoding.F32 ? t : PromptTensorCodec.decode(section), e, section);
    }

    private static float[] floats(NDArray a) {
        if (a.getDataType() == DataType.FLOAT32) {
            return a.toFloatArray();
        }
        try (NDArray f = a.toType(DataType.FLOAT32, true)) {
            return f.toFloatArray();
        }
    }

    /** The prompt on {@code parent}'s device, ready for {@link PromptConditioner#prefix}. */
    public GeneratedPrompt toPrompt(NDManager parent) {
        try (NDManager m = parent.newSubManager()) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            tensors.forEach((name, t) -> arrays.put(name, m.create(t.data(), new ai.djl.ndarray.types.Shape(t.shape()))));
            return GeneratedPrompt.of(parent, design, k, tokenIds, promptText, arrays);
        }
    }

    public byte[] toBytes() {
        ObjectNode meta = JSON.createObjectNode();
        meta.put("design", design.name());
        meta.put("k", k);
        meta.put("pgmId", pgmId);
        meta.put("pgmVersion", pgmVersion);
        meta.put("baseFingerprint", baseFingerprint);
        meta.put("createdAt", createdAt.toString());
        if (promptText != null) {
            meta.put("promptText", promptText);
        }
        if (tokenIds != null) {
            var ids = meta.putArray("tokenIds");
            for (long id : tokenIds) {
                ids.add(id);
            }
        }
        if (encoding != PromptEncoding.F32) {
            meta.put("encoding", encoding.name());   // absent = F32: an F32 artifact is byte for byte what it was before
        }
        byte[] json = meta.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(4 + 4 + 4 + json.length + 8 + section.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putInt(FORMAT_VERSION).putInt(json.length).put(json).putLong(section.length).put(section);
        return b.array();
    }

    /** Parses {@link #toBytes} output; a wrong magic, an unknown version or a cut blob fails with a clear message. */
    public static PromptArtifact fromBytes(byte[] bytes) {
        if (bytes.length >= 4 && Arrays.equals(Arrays.copyOf(bytes, 4), MAGIC) && bytes.length < 12) {
            throw new ModelLoadException("truncated prompt artifact: " + bytes.length + " bytes, the header alone is 12");
        }
        if (bytes.length < 4 || !Arrays.equals(Arrays.copyOf(bytes, 4), MAGIC)) {
            throw new ModelLoadException("not a prompt artifact: expected magic \"MLPA\", got "
                    + (bytes.length < 4 ? bytes.length + " bytes" : "\"" + new String(bytes, 0, 4, StandardCharsets.ISO_8859_1) + "\""));
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.position(4);
        int version = b.getInt();
        if (version != FORMAT_VERSION) {
            throw new ModelLoadException("prompt artifact format version " + version + " is not supported; this build reads "
                    + FORMAT_VERSION);
        }
        long jsonLen = Integer.toUnsignedLong(b.getInt());
        if (jsonLen + 8 > b.remaining()) {
            throw new ModelLoadException("truncated prompt artifact: metadata of " + jsonLen + " bytes + section header "
                    + "need " + (jsonLen + 8) + " bytes, only " + b.remaining() + " remain");
        }
        byte[] json = new byte[(int) jsonLen];
        b.get(json);
        long stLen = b.getLong();
        if (stLen != b.remaining()) {
            throw new ModelLoadException((stLen > b.remaining() ? "truncated" : "corrupt") + " prompt artifact: tensor "
                    + "section declares " + stLen + " bytes, " + b.remaining() + " present");
        }
        byte[] st = new byte[(int) stLen];
        b.get(st);
        JsonNode meta;
        try {
            meta = JSON.readTree(json);
        } catch (IOException e) {
            throw new ModelLoadException("corrupt prompt artifact metadata: " + e.getMessage(), e);
        }
        PromptDesign design;
        try {
            design = PromptDesign.valueOf(meta.path("design").asText(""));
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException("prompt artifact has unknown design " + meta.path("design"));
        }
        PromptEncoding encoding;
        try {
            encoding = PromptEncoding.valueOf(meta.path("encoding").asText(PromptEncoding.F32.name()));
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException("prompt artifact has unknown encoding " + meta.path("encoding") + "; this build reads "
                    + Arrays.toString(PromptEncoding.values()));
        }
        long[] ids = null;
        if (meta.has("tokenIds")) {
            ids = new long[meta.get("tokenIds").size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = meta.get("tokenIds").get(i).asLong();
            }
        }
        return new PromptArtifact(design, meta.path("k").asInt(), meta.path("pgmId").asText(""),
                meta.path("pgmVersion").asText(""), meta.path("baseFingerprint").asText(""),
                Instant.parse(meta.path("createdAt").asText()), meta.hasNonNull("promptText") ? meta.get("promptText").asText() : null,
                ids, PromptTensorCodec.decode(st), encoding, st);
    }

    public PromptDesign design() {
        return design;
    }

    public int k() {
        return k;
    }

    public String pgmId() {
        return pgmId;
    }

    public String pgmVersion() {
        return pgmVersion;
    }

    public String baseFingerprint() {
        return baseFingerprint;
    }

    public Instant createdAt() {
        return createdAt;
    }

    /** The prompt text (DISCRETE), else null. */
    public String promptText() {
        return promptText;
    }

    public long[] tokenIds() {
        return tokenIds == null ? null : tokenIds.clone();
    }

    /** The prompt's values by name, as float32 (what the stored encoding holds). */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** How the tensors are stored ({@link PromptEncoding#F32} for a prompt without tensors). */
    public PromptEncoding encoding() {
        return encoding;
    }
}
