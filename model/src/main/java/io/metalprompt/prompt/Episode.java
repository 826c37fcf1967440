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
 * @param xp      XP token ids (may be empty)
 * @param xl      XL token ids (may be empty)
 * @param queries per query: its token ids
 * @param answers per query: the gold answer's token ids
 */
public record Episode(long[] xp, long[] xl, List<long[]> queries, List<long[]> answers) {

    public Episode {
        if (queries.isEmpty() || queries.size() != answers.size()) {
            throw new IllegalArgumentException("an episode needs queries, one answer each: " + queries.size()
                    + " queries, " + answers.size() + " answers");
        }
        queries = List.copyOf(queries);
        answers = List.copyOf(answers);
    }

    public static Episode of(LmTokenizer tokenizer, List<TaskExample> xp, List<TaskExample> xl, List<TaskExample> queries) {
        return new Episode(PromptGenerator.xpTokens(xp, tokenizer),
                xl.isEmpty() ? new long[0] : tokenizer.encode(IclFormat.renderDemonstrations(xl)),
                queries.stream().map(q -> tokenizer.encode(IclFormat.queryText(q.input(), true))).toList(),
                queries.stream().map(q -> tokenizer.encode(IclFormat.renderAnswer(q.output()))).toList());
    }
}
