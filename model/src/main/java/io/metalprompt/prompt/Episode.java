package io.metalprompt.prompt;

import java.util.List;

import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.text.IclFormat;

/**
 * One meta-training episode, tokenized exactly as serving reads it: XP for the PGM
 * ({@link PromptGenerator#xpTokens}), XL as the demonstrations after the prompt, and queries as
 * {@link IclFormat#queryText} after a prefix with their answers as {@link IclFormat#renderAnswer}.
 *
 * @param earlier XP token ids of the passes before the last, in order (empty for a single pass): iterative
 *                generation reads them first, each pass reading the previous pass's prompt
 * @param xp      XP token ids of the last pass (may be empty)
 * @param xl      XL token ids (may be empty)
 * @param queries per query: its token ids
 * @param answers per query: the gold answer's token ids
 */
public record Episode(List<long[]> earlier, long[] xp, long[] xl, List<long[]> queries, List<long[]> answers) {

    /** The number of PGM passes that read this episode's examples. */
    public int passes() {
        return earlier.size() + 1;
    }

    public Episode {
        if (queries.isEmpty() || queries.size() != answers.size()) {
            throw new IllegalArgumentException("an episode needs queries, one answer each: " + queries.size()
                    + " queries, " + answers.size() + " answers");
        }
        earlier = List.copyOf(earlier);
        queries = List.copyOf(queries);
        answers = List.copyOf(answers);
    }

    public static Episode of(LmTokenizer tokenizer, List<TaskExample> xp, List<TaskExample> xl, List<TaskExample> queries) {
        return iterative(tokenizer, List.of(xp), xl, queries);
    }

    /** An episode read in {@code passes.size()} passes, pass i over the examples {@code passes.get(i)}. */
    public static Episode iterative(LmTokenizer tokenizer, List<List<TaskExample>> passes, List<TaskExample> xl,
                                    List<TaskExample> queries) {
        List<long[]> earlier = passes.subList(0, passes.size() - 1).stream()
                .map(p -> PromptGenerator.xpTokens(p, tokenizer)).toList();
        return new Episode(earlier, PromptGenerator.xpTokens(passes.get(passes.size() - 1), tokenizer),
                xl.isEmpty() ? new long[0] : tokenizer.encode(IclFormat.renderDemonstrations(xl)),
                queries.stream().map(q -> tokenizer.encode(IclFormat.queryText(q.input(), true))).toList(),
                queries.stream().map(q -> tokenizer.encode(IclFormat.renderAnswer(q.output()))).toList());
    }
}
