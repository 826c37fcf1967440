package io.metalprompt.text;

import io.metalprompt.tasks.TaskExample;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The one in-context-learning text format. A demonstration renders as {@code "{input} {output} ;"},
 * demonstrations are joined by a single space, a query renders as {@code "{input}"} and the answer
 * continuation scored after it is {@code " {option}"}. Context and continuation are tokenized separately by
 * the scorer; since the tokenizer splits on whitespace first, their concatenation tokenizes the same.
 *
 * <p>There is no separator between an input and its label. With one ({@code "{input} = {output} ;"}, the format
 * until v6) the small base LMs trained here never formed induction heads: both sides of the match would need a
 * layer-1 head that looks two tokens back, and every run stayed on the one-label plateau; without it the label
 * directly follows the input's last word and the base LM learns in context (docs/base-lm.md, "v6").
 */
public final class IclFormat {

    /**
     * Not part of the format any more (see above), but kept in the vocabulary so token ids stay those of the
     * shipped checkpoints.
     */
    public static final String RESERVED = "=";
    /** After a demonstration's label. */
    public static final String TERMINATOR = ";";
    /** Between demonstrations, and between the last demonstration and the query. */
    public static final String JOINER = " ";
    /** The format's own tokens in vocabulary order, the reserved one included. */
    public static final List<String> FORMAT_TOKENS = List.of(RESERVED, TERMINATOR);

    private IclFormat() {
    }

    /** {@code "{input} {output} ;"} */
    public static String renderExample(String input, String output) {
        return input + " " + output + " " + TERMINATOR;
    }

    public static String renderExample(TaskExample example) {
        return renderExample(example.input(), example.output());
    }

    /** The demonstrations joined by a single space; empty for none. */
    public static String renderDemonstrations(List<TaskExample> demonstrations) {
        return demonstrations.stream().map(IclFormat::renderExample).collect(Collectors.joining(JOINER));
    }

    /** {@code "{input}"}: the label follows the input directly. */
    public static String renderQuery(String input) {
        return input;
    }

    /** The query as the model reads it after a prefix (joined with a space) or alone. */
    public static String queryText(String input, boolean afterPrefix) {
        return (afterPrefix ? JOINER : "") + renderQuery(input);
    }

    /** {@code " {option}"}: the continuation whose likelihood is scored after the query. */
    public static String renderAnswer(String option) {
        return " " + option;
    }

    /** The demonstrations followed by the query: the context the answer continues. */
    public static String renderContext(List<TaskExample> demonstrations, String queryInput) {
        String demos = renderDemonstrations(demonstrations);
        return demos.isEmpty() ? renderQuery(queryInput) : demos + JOINER + renderQuery(queryInput);
    }
}
