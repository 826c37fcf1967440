package io.metalprompt.tasks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Writes a set of new tasks in MetaICL's layout, the way {@code ../shared/tasks/dev} is laid out: for each task and
 * seed the k-shot files for every k (the smaller sets begin the larger ones), one test split shared by all seeds,
 * plus {@code specs.json} (section {@code test}) and {@code config.json} ({@code {"train": [], "test": [...]}}), so
 * {@code metal eval} reads it like the development tasks. Everything follows from the seed: the same options write
 * the same files.
 */
public final class TaskSetWriter {

    /** What to write: {@code tasksPerKind} tasks of each kind named {@code <prefix>_<kind>_<n>}. */
    public record Plan(String prefix, List<Family> kinds, int tasksPerKind, List<Integer> ks, List<Integer> seeds,
                       int testExamples, long seed) {
        public Plan {
            kinds = List.copyOf(kinds);
            ks = ks.stream().sorted().toList();
            seeds = List.copyOf(seeds);
            if (!prefix.matches("[a-z][a-z0-9]*") || kinds.isEmpty() || tasksPerKind <= 0 || ks.isEmpty()
                    || ks.get(0) <= 0 || seeds.isEmpty() || testExamples <= 0) {
                throw new IllegalArgumentException("a task set needs a lower-case prefix, kinds, and positive counts: " + this);
            }
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private static final ObjectMapper LINE = new ObjectMapper();

    private final SyntheticTasks synthetic;

    public TaskSetWriter(Lexicon lexicon) {
        this.synthetic = new SyntheticTasks(lexicon);
    }

    /** Writes the set under {@code out} and returns the specs of its tasks. */
    public List<TaskSpec> write(Plan plan, Path out) {
        SplittableRandom random = new SplittableRandom(plan.seed());
        List<TaskSpec> specs = new ArrayList<>();
        int largest = plan.ks().get(plan.ks().size() - 1);
        try {
            for (Family kind : plan.kinds()) {
                for (int n = 0; n < plan.tasksPerKind(); n++) {
                    TaskSpec drawn = synthetic.newTask(kind, random, 2, 4);
                    TaskSpec spec = new TaskSpec(plan.prefix() + "_" + kind.id() + "_" + n, kind, drawn.categories(),
                            drawn.labels());
                    specs.add(spec);
                    Path dir = Files.createDirectories(out.resolve(spec.name()));
                    List<TaskExample> test = synthetic.examples(spec, plan.testExamples(), random);
                    for (int seed : plan.seeds()) {
                        List<TaskExample> train = synthetic.examples(spec, largest, random);
                        for (int k : plan.ks()) {
                            writeJsonl(dir.resolve(TaskLoader.fileName(spec.name(), k, seed, TaskLoader.TRAIN_SPLIT)),
                                    train.subList(0, k));
                            writeJsonl(dir.resolve(TaskLoader.fileName(spec.name(), k, seed, TaskLoader.TEST_SPLIT)), test);
                        }
                    }
                }
            }
            ObjectNode specsJson = JSON.createObjectNode();
            ArrayNode list = specsJson.putArray("test");
            ObjectNode config = JSON.createObjectNode();
            config.putArray("train");
            ArrayNode names = config.putArray("test");
            for (TaskSpec s : specs) {
                ObjectNode node = list.addObject();
                node.put("name", s.name());
                node.put("family", s.family().id());
                ArrayNode cats = node.putArray("cats");
                s.categories().forEach(cats::add);
                ArrayNode labels = node.putArray("labels");
                s.labels().forEach(labels::add);
                names.add(s.name());
            }
            JSON.writeValue(out.resolve("specs.json").toFile(), specsJson);
            JSON.writeValue(out.resolve("config.json").toFile(), config);
        } catch (IOException e) {
            throw new TaskDataException("cannot write the task set under " + out + ": " + e.getMessage(), e);
        }
        return specs;
    }

    private static void writeJsonl(Path file, List<TaskExample> examples) throws IOException {
        StringBuilder b = new StringBuilder();
        for (TaskExample e : examples) {
            ObjectNode line = JSON.createObjectNode();
            line.put("task", e.task());
            line.put("input", e.input());
            line.put("output", e.output());
            ArrayNode options = line.putArray("options");
            e.options().forEach(options::add);
            b.append(LINE.writeValueAsString(line)).append('\n');
        }
        Files.writeString(file, b.toString());
    }
}
