package io.metalprompt.promptgen;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.metalprompt.events.Example;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.events.TaskRegistered;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.prompt.GeneratedPrompt;
import io.metalprompt.prompt.PromptArtifact;
import io.metalprompt.prompt.PromptConditioner;
import io.metalprompt.prompt.PromptEncoding;
import io.metalprompt.prompt.PromptGenerator;
import io.metalprompt.prompt.TaskExamples;
import io.metalprompt.tasks.TaskExample;
import io.metalprompt.text.IclFormat;

/**
 * Generates a task's prompt with the PGM of its design — one forward pass over its XP examples, or, when they
 * do not fit the context, iteratively (previous prompt plus the next chunk of examples, until all are read) —
 * and packs it as a {@link PromptArtifact} in the configured {@link PromptEncoding}. Checks up front that the model
 * can read the examples' inputs ({@link VocabularyCheck}) and that the prompt plus the XL demonstrations leave room
 * for a query, and says so in the user's terms when not.
 *
 * <p>The PGMs can be replaced while the service runs ({@link #install}, when a new version is published).
 * Generation and replacement take turns (one lock), so a prompt is always made by one whole PGM, whose version
 * the result names, and a replaced PGM is closed only when no generation uses it.
 */
public final class PgmPromptFactory implements PromptFactory {

    /** Positions kept free behind the prompt and XL demonstrations for a query and its answer. */
    static final int QUERY_ROOM = 32;

    private Map<PromptDesign, PromptGenerator> pgms;   // guarded by this
    private final LmTokenizer tokenizer;
    private final VocabularyCheck vocabulary;
    private final Clock clock;
    private final PromptEncoding encoding;
    private final int maxBatch;

    /** Tasks generated in one batched pass at most, by default. */
    static final int DEFAULT_MAX_BATCH = 16;

    /** Prompts stored in the default encoding ({@link PromptEncoding#DEFAULT}). */
    public PgmPromptFactory(Map<PromptDesign, PromptGenerator> pgms, LmTokenizer tokenizer, VocabularyCheck vocabulary,
                            Clock clock) {
        this(pgms, tokenizer, vocabulary, clock, PromptEncoding.DEFAULT);
    }

    /** Prompts stored in {@code encoding} ({@code metal.prompts.encoding}), up to 16 tasks per batched pass. */
    public PgmPromptFactory(Map<PromptDesign, PromptGenerator> pgms, LmTokenizer tokenizer, VocabularyCheck vocabulary,
                            Clock clock, PromptEncoding encoding) {
        this(pgms, tokenizer, vocabulary, clock, encoding, DEFAULT_MAX_BATCH);
    }

    /** ... and at most {@code maxBatch} tasks in one batched pass ({@code metal.prompts.max-batch}). */
    public PgmPromptFactory(Map<PromptDesign, PromptGenerator> pgms, LmTokenizer tokenizer, VocabularyCheck vocabulary,
                            Clock clock, PromptEncoding encoding, int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("metal.prompts.max-batch must be at least 1, not " + maxBatch);
        }
        this.maxBatch = maxBatch;
        if (pgms.isEmpty()) {
            throw new IllegalArgumentException("no PGM loaded");
        }
        this.pgms = Map.copyOf(pgms);
        this.tokenizer = tokenizer;
        this.vocabulary = vocabulary;
        this.clock = clock;
        this.encoding = encoding;
    }

    /**
     * Serves {@code replacements} from now on for their designs (the other designs keep their PGM) and closes the
     * PGMs they replace.
     */
    public synchronized void install(Map<PromptDesign, PromptGenerator> replacements) {
        Map<PromptDesign, PromptGenerator> next = new java.util.EnumMap<>(PromptDesign.class);
        next.putAll(pgms);
        next.putAll(replacements);
        for (Map.Entry<PromptDesign, PromptGenerator> e : pgms.entrySet()) {
            if (next.get(e.getKey()) != e.getValue()) {
                e.getValue().close();
            }
        }
        pgms = Map.copyOf(next);
    }

    /** The designs this factory has a PGM for. */
    public synchronized Set<PromptDesign> designs() {
        return pgms.keySet();
    }

    @Override
    public synchronized String pgmVersion(PromptDesign design) {
        PromptGenerator pgm = pgms.get(design);
        return pgm == null ? "none" : pgm.version();
    }

    @Override
    public synchronized Result generate(TaskRegistered task) {
        Outcome outcome = generateAll(List.of(task)).get(0);
        if (outcome.failure() != null) {
            throw new IllegalArgumentException(outcome.failure());
        }
        return outcome.result();
    }

    /**
     * Batched generation for a burst of registrations: each task is checked alone (a task that cannot get a prompt
     * fails alone, with its reason), then the tasks of one design are generated together, at most {@code maxBatch} at
     * a time, each pass of those that take as many passes in one forward ({@link PromptGenerator#generateChunkedAll});
     * each prompt equals the one the task would get alone.
     */
    @Override
    public synchronized List<Outcome> generateAll(List<TaskRegistered> tasks) {
        Outcome[] out = new Outcome[tasks.size()];
        Map<PromptDesign, List<Integer>> byDesign = new java.util.EnumMap<>(PromptDesign.class);
        List<PromptGenerator.Chunked> xps = new java.util.ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            PromptGenerator.Chunked xp = null;
            try {
                xp = checked(tasks.get(i));
                byDesign.computeIfAbsent(tasks.get(i).design(), d -> new java.util.ArrayList<>()).add(i);
            } catch (IllegalArgumentException e) {
                out[i] = Outcome.failed(e.getMessage());
            }
            xps.add(xp);
        }
        for (Map.Entry<PromptDesign, List<Integer>> group : byDesign.entrySet()) {
            PromptGenerator pgm = pgms.get(group.getKey());
            List<Integer> rows = group.getValue();
            for (int from = 0; from < rows.size(); from += maxBatch) {
                List<Integer> part = rows.subList(from, Math.min(rows.size(), from + maxBatch));
                List<GeneratedPrompt> prompts = pgm.generateChunkedAll(part.stream().map(xps::get).toList(), tokenizer);
                try {
                    for (int j = 0; j < part.size(); j++) {
                        PromptArtifact artifact = PromptArtifact.of(prompts.get(j), pgm, clock.instant(), encoding);
                        out[part.get(j)] = Outcome.of(new Result(prompts.get(j).k(), artifact.promptText(),
                                artifact.toBytes(), pgm.version()));
                    }
                } finally {
                    prompts.forEach(GeneratedPrompt::close);
                }
            }
        }
        return List.of(out);
    }

    /**
     * The task's XP examples cut into passes (tokenized once, for the check and the generation), once it is clear it
     * can get a prompt: a PGM of its design, inputs the model can read, room for a query behind the prompt and XL
     * demonstrations, and examples that each fit a pass. Else an {@link IllegalArgumentException} with the reason in
     * the user's terms.
     */
    private PromptGenerator.Chunked checked(TaskRegistered task) {
        PromptGenerator pgm = pgms.get(task.design());
        if (pgm == null) {
            throw new IllegalArgumentException("this deployment has no prompt generation model for design "
                    + task.design() + "; available: " + pgms.keySet());
        }
        vocabulary.check(task.examples().stream().map(Example::input).toList());
        List<TaskExample> xp = PromptConditioner.xp(TaskExamples.of(task), task.demonstrations());
        long xlTokens = xlTokens(task);
        checkRoom(pgm, task, xlTokens, pgm.k());
        PromptGenerator.Chunked chunked = pgm.chunked(xp, tokenizer);
        checkRoom(pgm, task, xlTokens, chunked.promptPositions());
        return chunked;
    }

    /** The tokens of the task's XL demonstrations, which stand between the prompt and every request. */
    private long xlTokens(TaskRegistered task) {
        List<TaskExample> xl = PromptConditioner.xl(TaskExamples.of(task), task.demonstrations());
        return xl.isEmpty() ? 0 : tokenizer.encode(IclFormat.renderDemonstrations(xl)).length;
    }

    /**
     * Room for a request behind a prompt of {@code promptPositions} and the task's XL demonstrations
     * ({@code xlTokens}); else an {@link IllegalArgumentException} saying what to change.
     */
    private void checkRoom(PromptGenerator pgm, TaskRegistered task, long xlTokens, int promptPositions) {
        int maxPositions = pgm.base().config().maxPositions();
        if (promptPositions + xlTokens + QUERY_ROOM > maxPositions) {
            String prompt = "the " + promptPositions + "-position prompt" + (promptPositions > pgm.k()
                    ? " its examples make (" + pgm.k() + " positions per pass of generation, the last "
                    + pgm.layout().passesKept() + " passes kept)" : "");
            throw new IllegalArgumentException("the " + task.demonstrations() + " demonstrations kept in front of every request take "
                    + xlTokens + " tokens; with " + prompt + " that leaves less than " + QUERY_ROOM + " of the model's "
                    + maxPositions + " positions for a request: keep fewer demonstrations"
                    + (promptPositions > pgm.k() ? " or send fewer examples" : ""));
        }
    }

    @Override
    public synchronized Result generateFrom(TaskRegistered task, byte[] previous, List<Example> examples) {
        PromptGenerator pgm = pgms.get(task.design());
        if (pgm == null) {
            throw new IllegalArgumentException("this deployment has no prompt generation model for design "
                    + task.design() + "; available: " + pgms.keySet());
        }
        vocabulary.check(examples.stream().map(Example::input).toList());
        List<TaskExample> more = examples.stream()
                .map(e -> new TaskExample(task.taskId(), e.input(), e.output(), task.options())).toList();
        try (GeneratedPrompt served = PromptArtifact.fromBytes(previous).toPrompt(pgm.base().manager());
             GeneratedPrompt prompt = pgm.generateIterative(served, more, tokenizer)) {
            checkRoom(pgm, task, xlTokens(task), prompt.k());
            PromptArtifact artifact = PromptArtifact.of(prompt, pgm, clock.instant(), encoding);
            return new Result(prompt.k(), artifact.promptText(), artifact.toBytes(), pgm.version());
        }
    }
}
