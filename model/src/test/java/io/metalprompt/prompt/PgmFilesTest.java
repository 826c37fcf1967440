package io.metalprompt.prompt;

import io.metalprompt.events.PromptDesign;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.lm.ModelLoadException;

/** The saved-folder format on its own: pgm.json field for field, a save/load round trip, and the refusals. */
class PgmFilesTest {

    private static final LanguageModel model = PgmTesting.gpt2();
    private static final LmTokenizer tokenizer = PgmTesting.gpt2Tokenizer();

    private static PromptGenerator pgm(PaddingPlacement placement) {
        PromptGenerator g = PromptGenerator.create(model, new LoraAdapter.Config(4, 8, List.of("c_attn")),
                TrainablePadding.defaultConfig(4, model.config().dModel()), PromptDesign.PREFIX,
                PaddingLayout.of(placement, tokenizer), 3);
        PgmTesting.perturbLoraB(g.lora(), 4);
        return g;
    }

    @Test
    void pgmJsonHasTheFieldsOfFormatOneInOrder(@TempDir Path tmp) throws Exception {
        try (PromptGenerator g = pgm(PaddingPlacement.INTERLEAVED)) {
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("command", "metal meta-train (test)");
            extra.put("final_loss_last20", 1.5);
            String version = g.save(tmp, "p1", extra);
            String json = Files.readString(tmp.resolve(PromptGenerator.CONFIG_FILE));
            String expected = "{\n  \"format\" : 1,\n  \"id\" : \"p1\",\n  \"version\" : \"" + version + "\",\n"
                    + "  \"design\" : \"PREFIX\",\n  \"k\" : 4,\n  \"lora\" : {\n    \"rank\" : 4,\n    \"alpha\" : 8.0,\n"
                    + "    \"targets\" : [ \"c_attn\" ]\n  },\n  \"padding\" : {\n    \"hidden\" : 32,\n"
                    + "    \"lstm_layers\" : 2,\n    \"placement\" : \"INTERLEAVED\",\n    \"terminator_id\" : "
                    + PaddingLayout.terminatorId(tokenizer) + "\n  },\n  \"base_model_type\" : \"gpt2\",\n"
                    + "  \"base_fingerprint\" : \"" + model.fingerprint() + "\",\n  \"extra\" : {\n"
                    + "    \"command\" : \"metal meta-train (test)\",\n    \"final_loss_last20\" : 1.5\n  }\n}";
            assertEquals(expected, json);
            assertEquals(16, version.length());
            assertEquals("unsaved", g.id(), "saving does not change the PGM object");
            assertEquals("0", g.version());
        }
    }

    @Test
    void aSavedPgmLoadsWithItsIdVersionLayoutAndWeights(@TempDir Path tmp) throws Exception {
        for (PaddingPlacement placement : PaddingPlacement.values()) {
            Path dir = tmp.resolve(placement.name());
            try (PromptGenerator g = pgm(placement)) {
                String version = g.save(dir, "p-" + placement, Map.of());
                assertEquals(placement == PaddingPlacement.INTERLEAVED,
                        Files.readString(dir.resolve(PromptGenerator.CONFIG_FILE)).contains("terminator_id"));
                try (PromptGenerator back = PromptGenerator.load(model, dir)) {
                    assertEquals("p-" + placement, back.id());
                    assertEquals(version, back.version());
                    assertEquals(g.layout(), back.layout());
                    assertEquals(g.design(), back.design());
                    assertEquals(g.k(), back.k());
                    assertEquals(g.lora().config(), back.lora().config());
                    assertEquals(g.parameters().keySet(), back.parameters().keySet());
                    g.parameters().forEach((n, a) -> assertArrayEquals(a.toFloatArray(),
                            back.parameters().get(n).toFloatArray(), n));
                }
            }
        }
        assertEquals(List.of(tmp.resolve("END"), tmp.resolve("INTERLEAVED")), PromptGenerator.folders(tmp));
    }

    @Test
    void aHiddenStatePgmRecordsItsScaledRowsAndOneWithoutThemIsRefused(@TempDir Path tmp) throws Exception {
        try (PromptGenerator g = PromptGenerator.create(model, new LoraAdapter.Config(4, 8, List.of("c_attn")),
                TrainablePadding.defaultConfig(4, model.config().dModel()), PromptDesign.HIDDEN_STATE, 3)) {
            g.save(tmp, "h", Map.of());
        }
        Path file = tmp.resolve(PromptGenerator.CONFIG_FILE);
        String json = Files.readString(file);
        assertTrue(json.contains("\"design\" : \"HIDDEN_STATE\",\n  \"hidden_rows\" : \"embedding_norm\",\n"), json);
        try (PromptGenerator loaded = PromptGenerator.load(model, tmp)) {
            assertEquals(PromptDesign.HIDDEN_STATE, loaded.design());
        }
        Files.writeString(file, json.replace("  \"hidden_rows\" : \"embedding_norm\",\n", ""));
        String msg = assertThrows(ModelLoadException.class, () -> PromptGenerator.load(model, tmp)).getMessage();
        assertTrue(msg.contains("meta-trained before its rows were rescaled to the word-embedding norm"), msg);
    }

    @Test
    void refusesOtherFormatsUnknownNamesAndAMissingTerminator(@TempDir Path tmp) throws Exception {
        try (PromptGenerator g = pgm(PaddingPlacement.INTERLEAVED)) {
            g.save(tmp, "p", Map.of());
        }
        Path file = tmp.resolve(PromptGenerator.CONFIG_FILE);
        String good = Files.readString(file);
        for (String[] change : new String[][] {{"\"format\" : 1", "\"format\" : 2", "has format 2"},
            {"\"PREFIX\"", "\"SPOKEN\"", "unknown design \"SPOKEN\""},
            {"\"INTERLEAVED\"", "\"SIDEWAYS\"", "unknown padding placement \"SIDEWAYS\""},
            {"\"terminator_id\"", "\"terminator\"", "INTERLEAVED padding but no terminator_id"}}) {
            Files.writeString(file, good.replace(change[0], change[1]));
            String msg = assertThrows(ModelLoadException.class, () -> PromptGenerator.load(model, tmp)).getMessage();
            assertTrue(msg.contains(change[2]), msg);
        }
    }
}
