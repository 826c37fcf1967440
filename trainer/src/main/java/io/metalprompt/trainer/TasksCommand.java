package io.metalprompt.trainer;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import io.metalprompt.tasks.Family;
import io.metalprompt.tasks.Lexicon;
import io.metalprompt.tasks.TaskSetWriter;
import io.metalprompt.tasks.TaskSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code metal tasks generate}: a reproducible set of new tasks in MetaICL's layout. */
@Command(name = "tasks", mixinStandardHelpOptions = true, description = "Task sets for evaluation.",
        subcommands = TasksCommand.Generate.class)
public class TasksCommand {

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Write new tasks of the given kinds in MetaICL's layout (k-shot files per seed, a shared test split, "
                    + "specs.json and config.json), like ../shared/tasks/dev; the same options write the same files.")
    static class Generate implements Callable<Integer> {
        @Option(names = "--out", required = true, description = "folder to write (task folders, specs.json, config.json)") Path out;
        @Option(names = "--prefix", required = true, description = "task-name prefix, e.g. val or test: tasks are <prefix>_<kind>_<n>") String prefix;
        @Option(names = "--kinds", split = ",", defaultValue = "all", description = "kinds of rule: 'all' (every trainable kind), 'original', 'held-out', or a list (default ${DEFAULT-VALUE})") List<String> kinds;
        @Option(names = "--tasks-per-kind", defaultValue = "4", description = "tasks of each kind (default ${DEFAULT-VALUE})") int tasksPerKind;
        @Option(names = "--k", split = ",", defaultValue = "16,64,128", description = "k-shot files per seed; smaller sets begin larger ones (default ${DEFAULT-VALUE})") List<Integer> ks;
        @Option(names = "--seeds", split = ",", defaultValue = "100,13,21,42,87", description = "few-shot seeds (default ${DEFAULT-VALUE})") List<Integer> seeds;
        @Option(names = "--test-examples", defaultValue = "200", description = "test examples per task, the same for every seed (default ${DEFAULT-VALUE})") int testExamples;
        @Option(names = "--seed", required = true, description = "seed of the whole set") long seed;
        @Option(names = "--lexicon", defaultValue = "data/lexicon.json", description = "the task world's words (default ${DEFAULT-VALUE})") Path lexicon;

        @Override
        public Integer call() {
            List<Family> chosen = KindOptions.parse(kinds, null);
            List<TaskSpec> specs = new TaskSetWriter(Lexicon.read(lexicon))
                    .write(new TaskSetWriter.Plan(prefix, chosen, tasksPerKind, ks, seeds, testExamples, seed), out);
            Map<String, Integer> perKind = new TreeMap<>();
            specs.forEach(s -> perKind.merge(s.family().id(), 1, Integer::sum));
            System.out.println("wrote " + specs.size() + " tasks to " + out + " " + perKind + "; evaluate with --tasks "
                    + out + " --config " + out.resolve("config.json"));
            return CliErrors.OK;
        }
    }
}
