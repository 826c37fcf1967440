package io.metalprompt.tasks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Infers the {@link Lexicon} from meta-training data and its specs (never from dev data), then checks that the
 * inference explains every training example under its family's rule and classifies every input word.
 *
 * <ol>
 *   <li>Content words: in a topic task the one word from the task's categories decides the label, so a word of
 *       category c appears only with c's label in every topic task that has c. A word with exactly one such
 *       category (and some support) belongs to it.</li>
 *   <li>Homographs: topic sentences that no such word explains share exactly one word per label; that word
 *       belongs to the label's category and, as it also appears elsewhere with other labels, is a filler too.</li>
 *   <li>Emotion words: among the remaining words, those that lean clearly to a sentiment task's first label are
 *       positive, to its second negative; the rest are fillers.</li>
 * </ol>
 */
public final class LexiconDeriver {

    /** Pooled share of first-label occurrences in sentiment tasks above which a word is positive. */
    static final double POSITIVE_SHARE = 0.6;
    /** ... and below which it is negative. */
    static final double NEGATIVE_SHARE = 0.4;

    private LexiconDeriver() {
    }

    /** CLI: {@code LexiconDeriver <tasks dir or zip> <out lexicon.json>}. */
    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: LexiconDeriver <tasks dir or zip> <out lexicon.json>");
            System.exit(2);
        }
        Lexicon lexicon = fromTree(Path.of(args[0]));
        lexicon.write(Path.of(args[1]));
        System.out.println("wrote " + args[1] + ": " + lexicon.allWords().size() + " words in "
                + lexicon.categoryNames().size() + " categories");
    }

    /** Derives the lexicon of a task tree: {@code specs.json} section "train" and the files under {@code train/}. */
    public static Lexicon fromTree(Path tasksLocation) {
        try (TaskRoot root = TaskRoot.open(tasksLocation)) {
            List<TaskSpec> specs = TaskSpecs.read(root.resolve("specs.json"), "train");
            Map<String, List<TaskExample>> data = new LinkedHashMap<>();
            for (TaskSpec s : specs) {
                data.put(s.name(), TaskLoader.loadTrain(root.resolve("train"), s.name()));
            }
            return derive(specs, data);
        }
    }

    /** Derives and verifies the lexicon from specs and their training examples (keyed by task name). */
    public static Lexicon derive(List<TaskSpec> specs, Map<String, List<TaskExample>> examples) {
        for (TaskSpec s : specs) {
            if (!examples.containsKey(s.name())) {
                throw new TaskDataException("no training examples for spec " + s.name());
            }
        }
        List<TaskSpec> topics = specs.stream().filter(s -> s.family() == Family.TOPIC).toList();
        Set<String> categories = new TreeSet<>();
        specs.forEach(s -> categories.addAll(s.categories()));
        Set<String> vocabulary = new TreeSet<>();
        examples.values().forEach(l -> l.forEach(e -> vocabulary.addAll(words(e.input()))));

        Map<String, String> category = contentWords(topics, examples, categories, vocabulary);
        Map<String, String> homographs = homographs(topics, examples, category);
        category.putAll(homographs);

        Map<String, Integer> firstLabel = new HashMap<>();
        Map<String, Integer> seen = new HashMap<>();
        for (TaskSpec s : specs) {
            if (s.family() != Family.SENTIMENT) {
                continue;
            }
            for (TaskExample e : examples.get(s.name())) {
                for (String w : words(e.input())) {
                    seen.merge(w, 1, Integer::sum);
                    if (e.output().equals(s.labels().get(0))) {
                        firstLabel.merge(w, 1, Integer::sum);
                    }
                }
            }
        }
        List<String> positive = new ArrayList<>();
        List<String> negative = new ArrayList<>();
        List<String> fillers = new ArrayList<>(homographs.keySet());
        for (String w : vocabulary) {
            if (category.containsKey(w)) {
                continue;
            }
            int n = seen.getOrDefault(w, 0);
            double share = n == 0 ? 0.5 : firstLabel.getOrDefault(w, 0) / (double) n;
            if (share > POSITIVE_SHARE) {
                positive.add(w);
            } else if (share < NEGATIVE_SHARE) {
                negative.add(w);
            } else {
                fillers.add(w);
            }
        }
        Map<String, List<String>> byCategory = new TreeMap<>();
        categories.forEach(c -> byCategory.put(c, new ArrayList<>()));
        category.forEach((w, c) -> byCategory.get(c).add(w));
        Set<String> labels = new TreeSet<>();
        examples.values().forEach(l -> l.forEach(e -> labels.addAll(e.options())));

        Lexicon lexicon = new Lexicon(new TreeMap<>(byCategory), positive, negative, fillers, List.copyOf(labels));
        verify(lexicon, specs, examples, vocabulary);
        return lexicon;
    }

    private static Map<String, String> contentWords(List<TaskSpec> topics, Map<String, List<TaskExample>> examples,
                                                    Set<String> categories, Set<String> vocabulary) {
        // labelsOf.get(task).get(word): the labels of the examples the word appears in, with counts.
        Map<String, Map<String, Map<String, Integer>>> labelsOf = new HashMap<>();
        for (TaskSpec t : topics) {
            Map<String, Map<String, Integer>> byWord = new HashMap<>();
            for (TaskExample e : examples.get(t.name())) {
                for (String w : new HashSet<>(words(e.input()))) {
                    byWord.computeIfAbsent(w, k -> new HashMap<>()).merge(e.output(), 1, Integer::sum);
                }
            }
            labelsOf.put(t.name(), byWord);
        }
        Map<String, String> out = new TreeMap<>();
        for (String w : vocabulary) {
            List<String> candidates = new ArrayList<>();
            for (String c : categories) {
                boolean consistent = true;
                int support = 0;
                for (TaskSpec t : topics) {
                    if (!t.categories().contains(c)) {
                        continue;
                    }
                    Map<String, Integer> labels = labelsOf.get(t.name()).getOrDefault(w, Map.of());
                    for (Map.Entry<String, Integer> l : labels.entrySet()) {
                        if (l.getKey().equals(t.labelOf(c))) {
                            support += l.getValue();
                        } else {
                            consistent = false;
                        }
                    }
                }
                if (consistent && support > 0) {
                    candidates.add(c);
                }
            }
            if (candidates.size() > 1) {
                throw new TaskDataException("word '" + w + "' fits several categories " + candidates);
            }
            if (candidates.size() == 1) {
                out.put(w, candidates.get(0));
            }
        }
        return out;
    }

    private static Map<String, String> homographs(List<TaskSpec> topics, Map<String, List<TaskExample>> examples,
                                                  Map<String, String> category) {
        Map<String, String> out = new TreeMap<>();
        for (TaskSpec t : topics) {
            Map<String, Set<String>> common = new TreeMap<>();
            for (TaskExample e : examples.get(t.name())) {
                Set<String> ws = new HashSet<>(words(e.input()));
                boolean explained = ws.stream()
                        .anyMatch(w -> category.containsKey(w) && t.categories().contains(category.get(w)));
                if (explained) {
                    continue;
                }
                ws.removeIf(category::containsKey);
                common.merge(e.output(), ws, (a, b) -> {
                    a.retainAll(b);
                    return a;
                });
            }
            for (Map.Entry<String, Set<String>> g : common.entrySet()) {
                if (g.getValue().size() != 1) {
                    throw new TaskDataException("task " + t.name() + ": sentences labelled '" + g.getKey()
                            + "' have no content word of the task and no single shared word (" + g.getValue() + ")");
                }
                String w = g.getValue().iterator().next();
                String c = t.categories().get(t.labels().indexOf(g.getKey()));
                String before = out.put(w, c);
                if (before != null && !before.equals(c)) {
                    throw new TaskDataException("homograph '" + w + "' explains labels of two categories: "
                            + before + " and " + c);
                }
            }
        }
        return out;
    }

    private static void verify(Lexicon lexicon, List<TaskSpec> specs, Map<String, List<TaskExample>> examples,
                               Set<String> vocabulary) {
        Set<String> unclassified = new TreeSet<>(vocabulary);
        unclassified.removeAll(lexicon.allWords());
        if (!unclassified.isEmpty()) {
            throw new TaskDataException("lexicon incomplete: unclassified words " + unclassified);
        }
        FamilyRules rules = new FamilyRules(lexicon);
        List<String> failures = new ArrayList<>();
        int count = 0;
        for (TaskSpec s : specs) {
            for (TaskExample e : examples.get(s.name())) {
                if (!rules.allowedLabels(s, e.input()).contains(e.output())) {
                    count++;
                    if (failures.size() < 5) {
                        failures.add(s.name() + ": '" + e.input() + "' -> " + e.output());
                    }
                }
            }
        }
        if (count > 0) {
            throw new TaskDataException("lexicon inconsistent: " + count + " training examples break their rule, e.g. "
                    + failures);
        }
    }

    static List<String> words(String input) {
        String t = input.trim();
        return t.isEmpty() ? List.of() : List.of(t.split("\\s+"));
    }
}
