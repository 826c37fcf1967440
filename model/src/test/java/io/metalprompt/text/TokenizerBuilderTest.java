package io.metalprompt.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.tasks.TaskLoader;
import io.metalprompt.tasks.TaskRoot;
import io.metalprompt.tasks.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerBuilderTest {

    private static HuggingFaceTokenizer tokenizer;
    private static List<String> vocab;

    @BeforeAll
    static void load() {
        List<TaskExample> train = new ArrayList<>();
        TestData.trainTasks().values().forEach(train::addAll);
        vocab = TokenizerBuilder.vocabulary(train);
        Path shipped = TestData.dataDir().resolve("tokenizer.json");
        if (TestData.rewrite()) {
            TokenizerBuilder.writeFromTree(TestData.tasksZip(), shipped);
        }
        tokenizer = Tokenizers.load(shipped);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void shippedFileIsReproducible(@TempDir Path tmp) throws Exception {
        Path rebuilt = tmp.resolve("tokenizer.json");
        List<String> written = TokenizerBuilder.writeFromTree(TestData.tasksZip(), rebuilt);
        assertEquals(vocab, written);
        assertEquals(Files.readString(TestData.dataDir().resolve("tokenizer.json")), Files.readString(rebuilt),
                "data/tokenizer.json is stale: rebuild it");
    }

    @Test
    void vocabularyLayout() {
        assertEquals(List.of("<pad>", "<unk>", "<s>", "=", ";"), vocab.subList(0, 5));
        assertEquals(vocab.size(), new HashSet<>(vocab).size());
        assertTrue(vocab.containsAll(List.of("dog", "saw", "happy", "alpha", "a", "##z", "z", "0", "##9", "?")));
        List<String> rest = vocab.subList(5, vocab.size());
        assertEquals(rest.stream().sorted().toList(), rest, "ids after the separators must be sorted");
    }

    @Test
    void devOnlyWordsAreNotInTheVocabulary() {
        Set<String> trainWords = new HashSet<>();
        TestData.trainTasks().values().forEach(l -> l.forEach(e -> {
            trainWords.addAll(TokenizerBuilder.pieces(e.input()));
            e.options().forEach(o -> trainWords.addAll(TokenizerBuilder.pieces(o)));
        }));
        Set<String> devOnly = new HashSet<>();
        try (TaskRoot root = TaskRoot.open(TestData.tasksZip())) {
            Path dev = root.resolve("dev");
            for (String t : TaskLoader.listTasks(dev)) {
                for (TaskExample e : TaskLoader.loadTest(dev, t)) {
                    e.options().forEach(o -> devOnly.addAll(TokenizerBuilder.pieces(o)));
                    devOnly.addAll(TokenizerBuilder.pieces(e.input()));
                }
            }
        }
        devOnly.removeAll(trainWords);
        devOnly.removeIf(w -> w.length() == 1); // single characters are in by construction
        for (String w : devOnly) {
            assertFalse(vocab.contains(w), w);
        }
    }

    @Test
    void roundTripsTaskSentencesWordForWord() {
        TaskExample e = TestData.trainTasks().get("train_041").get(1);
        String text = IclFormat.renderExample(e) + " " + IclFormat.renderQuery("the dog saw a red car");
        Encoding enc = tokenizer.encode(text);
        List<String> expected = TokenizerBuilder.pieces(text);
        assertEquals(expected, List.of(enc.getTokens()));
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(vocab.indexOf(expected.get(i)), enc.getIds()[i], expected.get(i));
        }
        assertEquals(text, tokenizer.decode(enc.getIds()));
        // Context and continuation tokenized apart give the same ids as together.
        long[] context = tokenizer.encode(IclFormat.renderQuery(e.input())).getIds();
        long[] answer = tokenizer.encode(IclFormat.renderAnswer(e.output())).getIds();
        long[] joint = tokenizer.encode(IclFormat.renderQuery(e.input()) + IclFormat.renderAnswer(e.output()))
                .getIds();
        long[] concat = new long[context.length + answer.length];
        System.arraycopy(context, 0, concat, 0, context.length);
        System.arraycopy(answer, 0, concat, context.length, answer.length);
        assertArrayEquals(joint, concat);
    }

    @Test
    void unseenWordsFallBackToCharactersNotUnk() {
        Encoding zebra = tokenizer.encode("zebra");
        assertEquals(List.of("z", "##e", "##b", "##r", "##a"), List.of(zebra.getTokens()));
        Encoding mixed = tokenizer.encode("Quokka42 = ok");
        assertEquals(List.of("q", "##u", "##o", "##k", "##k", "##a", "##4", "##2", "=", "ok"),
                List.of(mixed.getTokens()));
        for (long id : mixed.getIds()) {
            assertTrue(id != vocab.indexOf("<unk>"));
        }
        assertEquals("zebra", tokenizer.decode(zebra.getIds()));
    }

    @Test
    void idsAreStable() {
        assertArrayEquals(new long[] {0, 1, 2}, tokenizer.encode("<pad> <unk> <s>").getIds());
        assertArrayEquals(new long[] {3, 4}, tokenizer.encode("= ;").getIds());
        long dog = vocab.indexOf("dog");
        assertArrayEquals(new long[] {dog}, tokenizer.encode("dog").getIds());
        assertArrayEquals(tokenizer.encode("the dog").getIds(), tokenizer.encode("the dog").getIds());
    }
}
