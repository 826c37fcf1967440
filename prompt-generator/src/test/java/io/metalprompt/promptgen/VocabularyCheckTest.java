package io.metalprompt.promptgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.testing.ProjectPaths;
import io.metalprompt.testing.TinyModelsTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The check against the bundled model's tokenizer (WordPiece, 314 tokens): the case issue 19 found. A Quarkus test
 * only so that the tokenizers' native library is loaded by the application's class loader, as in the other tests.
 */
@QuarkusTest
@QuarkusTestResource(value = TinyModelsTestResource.class, restrictToAnnotatedClass = false)
class VocabularyCheckTest {

    private static LmTokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = LmTokenizer.load(ProjectPaths.root().resolve("models/base-lm"));
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    /** English reviews far from the model's words (they were answered "positive", every one) fail with the reason. */
    @Test
    void reviewsInEnglishTheModelCannotReadAreRefused() {
        VocabularyCheck check = new VocabularyCheck(tokenizer, 0.5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> check.check(List.of(
                "a delight from start to end", "two hours I will not get back", "the cast shines")));
        assertEquals("the model cannot read these examples: 67% of the letters of their inputs are in words its "
                + "tokenizer does not know (e.g. 'delight', 'from', 'start'), so a prompt made from them would be noise; "
                + "use words of the model's vocabulary, or a model that knows this text", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> check.check(List.of("caf\u00e9 cr\u00e8me br\u00fbl\u00e9e")));
    }

    /** The development tasks' text (the model's own words), with a few unknown words among them, passes. */
    @Test
    void textOfTheModelsVocabularyPasses() {
        VocabularyCheck check = new VocabularyCheck(tokenizer, 0.5);
        check.check(List.of("saw thunder near that miserable", "blue very carrot quite found his and",
                "the dog number 3 ran", "a happy dog", "123 456 !?"));
        assertEquals(0.0, check.read(List.of("saw thunder near that miserable")).unknownShare());
        assertTrue(check.read(List.of("the dog number 3 ran")).unknownShare() < 0.5);
    }

    @Test
    void oneTurnsTheCheckOff() {
        new VocabularyCheck(tokenizer, 1).check(List.of("the cinematography was breathtaking"));
        assertThrows(IllegalArgumentException.class, () -> new VocabularyCheck(tokenizer, 1.5));
    }

    @Test
    void wordsAlreadySeenAreAnsweredAsTheFirstTime() {
        VocabularyCheck used = new VocabularyCheck(tokenizer, 0.5);
        List<String> texts = List.of("a delight from start to end", "the dog number 3 ran", "saw thunder near that dog");
        used.read(texts);
        used.read(List.of("the cast shines from the start"));
        assertEquals(new VocabularyCheck(tokenizer, 0.5).read(texts), used.read(texts),
                "the remembered answers are the tokenizer's");
    }
}
