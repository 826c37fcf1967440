package io.metalprompt.trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.metalprompt.eval.Conditioners;
import io.metalprompt.eval.Evaluator;
import io.metalprompt.eval.Metrics;
import io.metalprompt.prompt.PromptEncoding;
import io.metalprompt.prompt.TaskConditioner;
import io.metalprompt.lm.LanguageModel;
import io.metalprompt.lm.LmSettings;
import io.metalprompt.lm.LmTokenizer;
import io.metalprompt.events.PromptDesign;
import io.metalprompt.tasks.TaskConfig;
import io.metalprompt.tasks.TaskRoot;
import io.metalprompt.tasks.TaskSpecs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code metal eval}: MetaICL-style evaluation of a model on a task folder and config. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Score every option of every test input; macro-F1 and accuracy per task, averaged over seeds, then tasks.")
public class EvalCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Hugging Face model folder") Path model;
    @Option(names = "--tasks", required = true, description = "task folder (or zip) in MetaICL layout") Path tasks;
    @Option(names = "--config", required = true, description = "config JSON with a \"test\" task list") Path config;
    @Option(names = "--method", required = true, converter = EvalMethod.Values.class, completionCandidates = EvalMethod.Values.class,
            description = "${COMPLETION-CANDIDATES}: no context, the k examples as demonstrations, a prompt from a meta-trained PGM (--pgm, --design, --xl, --refine) or prompt tuning (--design, --prompt-length, --steps)") EvalMethod method;
    @Option(names = "--pgm", defaultValue = "models/pgm", description = "PGM folder, or a folder of PGM folders one per design (default ${DEFAULT-VALUE})") Path pgm;
    @Option(names = "--design", description = "${COMPLETION-CANDIDATES}; with metal-prompt: the design to use when --pgm holds several; with prompt-tuning: the design to tune (default PREFIX)") PromptDesign design;
    @Option(names = "--steps", defaultValue = "100", description = "prompt-tuning steps (prompt-tuning), or refinement steps after generation (metal-prompt with --refine)") int steps;
    @Option(names = "--refine", description = "metal-prompt: refine each generated prompt by --steps of gradient descent on the task's examples") boolean refine;
    @Option(names = "--prompt-length", defaultValue = "16", description = "prompt-tuning: prompt positions") int promptLength;
    @Option(names = {"--xl", "--l"}, defaultValue = "0", description = "metal-prompt: the last L examples stay as XL demonstrations after the prompt") int l;
    @Option(names = "--prompt-encoding", description = "metal-prompt: how the prompt artifact stores the prompt's "
            + "tensors, F32, F16 or INT8; each prompt is served as read back from those bytes, as a worker serves it "
            + "(default " + PromptEncoding.DEFAULT_NAME + ", the prompt-generator's; not with --refine)") PromptEncoding promptEncoding;
    @Option(names = "--passes-kept", defaultValue = "0", description = "metal-prompt: assemble prompts from the last N passes of iterative generation instead of what the PGM's pgm.json says (1 = the last pass's prompt; default: as pgm.json says)") int passesKept;
    @Option(names = "--k", defaultValue = "16", description = "examples per task (the <task>_<k>_<seed>_train.jsonl files)") int k;
    @Option(names = "--seeds", defaultValue = "100,13,21,42,87", split = ",", description = "seeds of the k-shot files; scores are averaged over them (default ${DEFAULT-VALUE})") List<Integer> seeds;
    @Option(names = "--out", required = true, description = "JSON report; a markdown table is written beside it (.md)") Path out;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public Integer call() throws IOException {
        if (refine && promptEncoding != null) {
            throw new IllegalArgumentException("--prompt-encoding applies to generated prompts; a refined prompt is served as refined");
        }
        TaskConfig taskConfig = TaskConfig.read(config);
        try (LanguageModel lm = LanguageModel.load(model, LmSettings.cpu());
             LmTokenizer tokenizer = LmTokenizer.load(model);
             TaskRoot root = TaskRoot.open(tasks)) {
            TaskConditioner conditioner = switch (method) {
                case ZERO_SHOT -> Conditioners.zeroShot();
                case ICL -> Conditioners.icl(lm, tokenizer, Conditioners.QUERY_RESERVE);
                case METAL_PROMPT -> PgmChoice.conditioner(lm, tokenizer, pgm, design, l, refine ? steps : 0,
                        promptEncoding == null ? PromptEncoding.DEFAULT : promptEncoding, passesKept);
                case PROMPT_TUNING -> PgmChoice.promptTuning(lm, tokenizer, design == null ? PromptDesign.PREFIX : design,
                        promptLength, steps);
            };
            long t0 = System.nanoTime();
            Evaluator.Report report = new Evaluator(lm, tokenizer)
                    .run(root.path(), taskConfig, k, seeds, conditioner, System.out::println);
            double seconds = (System.nanoTime() - t0) / 1e9;
            Map<String, FamilyScores.KindScore> families = FamilyScores.of(report, TaskSpecs.families(root.path().resolve("specs.json")));
            writeJson(report, families, seconds);
            String table = markdown(report, families);
            Files.writeString(markdownPath(), table);
            System.out.print(table);
            System.out.printf(Locale.ROOT, "wrote %s and %s (%.1f s)%n", out, markdownPath(), seconds);
            return 0;
        }
    }

    private Path markdownPath() {
        String name = out.getFileName().toString();
        return out.resolveSibling((name.endsWith(".json") ? name.substring(0, name.length() - 5) : name) + ".md");
    }

    private void writeJson(Evaluator.Report report, Map<String, FamilyScores.KindScore> families, double seconds) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("method", report.method());
        root.put("model", model.toString());
        root.put("k", k);
        root.putPOJO("seeds", seeds);
        root.put("seconds", seconds);
        root.set("mean", score(report.mean()));
        ObjectNode costs = root.putObject("costs");
        costs.put("condition_ms_per_task", report.costs().conditionMillis());
        costs.put("prefix_positions", report.costs().prefixPositions());
        costs.put("prefix_kv_bytes", report.costs().prefixBytes());
        costs.put("stored_bytes_per_task", report.costs().storedBytes());
        costs.put("ms_per_query", report.costs().queryMillis());
        ObjectNode familiesNode = root.putObject("families");
        families.forEach((f, ks) -> familiesNode.set(f, score(ks.score()).put("tasks", ks.tasks())));
        ObjectNode tasksNode = root.putObject("tasks");
        for (Map.Entry<String, Evaluator.TaskResult> e : report.tasks().entrySet()) {
            ObjectNode t = score(e.getValue().mean());
            ObjectNode perSeed = t.putObject("seeds");
            e.getValue().seeds().forEach((seed, s) -> perSeed.set(Integer.toString(seed), score(s)));
            tasksNode.set(e.getKey(), t);
        }
        if (out.toAbsolutePath().getParent() != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
        }
        JSON.writeValue(out.toFile(), root);
    }

    private static ObjectNode score(Metrics.Score s) {
        ObjectNode n = JSON.createObjectNode();
        n.put("macro_f1", s.macroF1());
        n.put("accuracy", s.accuracy());
        return n;
    }

    private String markdown(Evaluator.Report report, Map<String, FamilyScores.KindScore> families) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "method %s, k=%d, seeds %s, model %s%n%n", report.method(), k, seeds, model));
        b.append("| task | macro-F1 | accuracy |\n|---|---|---|\n");
        report.tasks().forEach((task, r) -> b.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f |%n", task,
                r.mean().macroF1(), r.mean().accuracy())));
        b.append(String.format(Locale.ROOT, "| **mean** | **%.4f** | **%.4f** |%n", report.mean().macroF1(),
                report.mean().accuracy()));
        if (!families.isEmpty()) {
            b.append("\n| kind of rule | tasks | macro-F1 | accuracy |\n|---|---|---|---|\n");
            families.forEach((f, ks) -> b.append(String.format(Locale.ROOT, "| %s | %d | %.4f | %.4f |%n", f,
                    ks.tasks(), ks.score().macroF1(), ks.score().accuracy())));
        }
        Evaluator.Costs c = report.costs();
        b.append(String.format(Locale.ROOT, "%nconditioning %.1f ms per task, %.1f context positions per query "
                + "(%.0f bytes of keys/values), %.0f bytes stored per task, %.2f ms per query%n",
                c.conditionMillis(), c.prefixPositions(), c.prefixBytes(), c.storedBytes(), c.queryMillis()));
        return b.toString();
    }
}
