package io.metalprompt.promptgen;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.metalprompt.lm.LmTokenizer;

/**
 * Whether the model can read a task's example inputs: text whose words its tokenizer mostly cannot represent would
 * give a prompt of noise and confident nonsense for every request (the bundled model knows 314 tokens; English far
 * from them was answered "positive" throughout). A word, a run of letters, is unknown when the tokenizer cannot give it
 * back (an unknown-token id decodes to something else) or only spells it out (more tokens than one per two letters,
 * plus one for a leading space). When the share of the inputs' letters in unknown words is above
 * {@code metal.model.max-unknown-words} (half by default), the task fails with a reason naming some of them
 * ({@link PgmPromptFactory}); the gateway, which holds no tokenizer, cannot tell.
 */
public final class VocabularyCheck {

    private final LmTokenizer tokenizer;
    private final double maxUnknownShare;
    /** Words already looked at (the answer depends on the word and the tokenizer only); emptied when full. */
    private final Map<String, Boolean> seen = new ConcurrentHashMap<>();
    static final int SEEN_MAX = 100_000;

    /** {@code maxUnknownShare}: the largest share of letters in unknown words a task's inputs may have (1 = no check). */
    public VocabularyCheck(LmTokenizer tokenizer, double maxUnknownShare) {
        if (maxUnknownShare < 0 || maxUnknownShare > 1) {
            throw new IllegalArgumentException("metal.model.max-unknown-words must be between 0 and 1, not "
                    + maxUnknownShare);
        }
        this.tokenizer = tokenizer;
        this.maxUnknownShare = maxUnknownShare;
    }

    /** What the tokenizer made of some texts: the share of letters in unknown words, and a few of those words. */
    public record Reading(double unknownShare, List<String> unknownWords) {
    }

    public Reading read(List<String> texts) {
        List<String> unknownWords = new ArrayList<>();
        long letters = 0;
        long unknownLetters = 0;
        for (String text : texts) {
            for (String word : text.split("[^\\p{L}]+")) {
                if (word.isEmpty()) {
                    continue;
                }
                int length = word.codePointCount(0, word.length());
                letters += length;
                if (!known(word)) {
                    unknownLetters += length;
                    if (unknownWords.size() < 3 && !unknownWords.contains(word)) {
                        unknownWords.add(word);
                    }
                }
            }
        }
        return new Reading(letters == 0 ? 0 : unknownLetters / (double) letters, unknownWords);
    }

    /** Throws {@link IllegalArgumentException} with a reason for the user when the inputs are mostly unknown words. */
    public void check(List<String> inputs) {
        if (maxUnknownShare >= 1) {
            return;
        }
        Reading reading = read(inputs);
        if (reading.unknownShare() > maxUnknownShare) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "the model cannot read these examples: "
                    + "%.0f%% of the letters of their inputs are in words its tokenizer does not know (e.g. %s), so a "
                    + "prompt made from them would be noise; use words of the model's vocabulary, or a model that knows "
                    + "this text", 100 * reading.unknownShare(), String.join(", ", reading.unknownWords().stream()
                    .map(w -> "'" + w + "'").toList())));
        }
    }

    /** Whether the tokenizer knows {@code word} (remembered: a burst of registrations repeats most words). */
    private boolean known(String word) {
        Boolean answer = seen.get(word);
        if (answer == null) {
            answer = lookUp(word);
            if (seen.size() >= SEEN_MAX) {
                seen.clear();
            }
            seen.put(word, answer);
        }
        return answer;
    }

    private boolean lookUp(String word) {
        long[] ids = tokenizer.encode(" " + word);
        int letters = word.codePointCount(0, word.length());
        return ids.length <= (letters + 1) / 2 + 1 && tokenizer.decode(ids).strip().equalsIgnoreCase(word);
    }
}
