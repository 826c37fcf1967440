package io.metalprompt.tasks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The words of the benchmark world, as inferred from the meta-training data: content words per category,
 * positive and negative emotion words, filler words, and the label words the training tasks use. A word
 * belongs to at most one category; it may also be a filler (a homograph such as "saw", a tool and a verb).
 * Lists are sorted so the JSON form is reproducible.
 */
public record Lexicon(SortedMap<String, List<String>> categories, List<String> positive, List<String> negative,
                      List<String> fillers, List<String> labels) {

    public Lexicon {
        SortedMap<String, List<String>> cats = new TreeMap<>();
        categories.forEach((c, ws) -> cats.put(c, sorted(ws)));
        categories = java.util.Collections.unmodifiableSortedMap(cats);
        positive = sorted(positive);
        negative = sorted(negative);
        fillers = sorted(fillers);
        labels = sorted(labels);
        Map<String, String> seen = new HashMap<>();
        cats.forEach((c, ws) -> ws.forEach(w -> {
            String before = seen.put(w, c);
            if (before != null) {
                throw new IllegalArgumentException("word '" + w + "' is in two categories: " + before + ", " + c);
            }
        }));
        for (String w : positive) {
            if (negative.contains(w) || seen.containsKey(w)) {
                throw new IllegalArgumentException("positive word '" + w + "' is also negative or a content word");
            }
        }
        for (String w : negative) {
            if (seen.containsKey(w)) {
                throw new IllegalArgumentException("negative word '" + w + "' is also a content word");
            }
        }
    }

    /**
     * A "bursty" copy: every category keeps {@code n} random content words (plus its filler homographs), and
     * the emotion lists {@code n} words each, so the same words recur within one training sequence.
     */
    public Lexicon restrict(int n, java.util.random.RandomGenerator random) {
        SortedMap<String, List<String>> cats = new TreeMap<>();
        categories.forEach((c, ws) -> {
            List<String> content = ws.stream().filter(w -> !fillers.contains(w)).toList();
            List<String> kept = new java.util.ArrayList<>(SyntheticTasks.sample(content, Math.min(n, content.size()), random));
            ws.stream().filter(fillers::contains).forEach(kept::add);
            cats.put(c, kept);
        });
        return new Lexicon(cats, SyntheticTasks.sample(positive, Math.min(n, positive.size()), random),
                SyntheticTasks.sample(negative, Math.min(n, negative.size()), random), fillers, labels);
    }

    public List<String> categoryNames() {
        return List.copyOf(categories.keySet());
    }

    public List<String> words(String category) {
        List<String> ws = categories.get(category);
        if (ws == null) {
            throw new IllegalArgumentException("no category '" + category + "' in " + categories.keySet());
        }
        return ws;
    }

    /** The category of a content word, empty for fillers and emotion words. */
    public Optional<String> categoryOf(String word) {
        for (Map.Entry<String, List<String>> e : categories.entrySet()) {
            if (java.util.Collections.binarySearch(e.getValue(), word) >= 0) {
                return Optional.of(e.getKey());
            }
        }
        return Optional.empty();
    }

    public boolean isFiller(String word) {
        return java.util.Collections.binarySearch(fillers, word) >= 0;
    }

    public boolean isPositive(String word) {
        return java.util.Collections.binarySearch(positive, word) >= 0;
    }

    public boolean isNegative(String word) {
        return java.util.Collections.binarySearch(negative, word) >= 0;
    }

    /** Fillers that are not also content words: safe to use as padding in any task. */
    public List<String> pureFillers() {
        return fillers.stream().filter(w -> categoryOf(w).isEmpty()).toList();
    }

    /** Every word the lexicon classifies. */
    public Set<String> allWords() {
        Set<String> all = new TreeSet<>();
        categories.values().forEach(all::addAll);
        all.addAll(positive);
        all.addAll(negative);
        all.addAll(fillers);
        return all;
    }

    public String toJson() {
        try {
            return mapper().writeValueAsString(this) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public void write(Path file) {
        try {
            Files.writeString(file, toJson());
        } catch (IOException e) {
            throw new TaskDataException("cannot write lexicon " + file + ": " + e.getMessage(), e);
        }
    }

    public static Lexicon read(Path file) {
        try {
            return mapper().readValue(Files.readString(file), Lexicon.class);
        } catch (NoSuchFileException e) {
            throw new TaskDataException("missing lexicon: expected " + file);
        } catch (IOException | IllegalArgumentException e) {
            throw new TaskDataException(file + ": unreadable lexicon: " + e.getMessage(), e);
        }
    }

    private static ObjectMapper mapper() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    }

    private static List<String> sorted(Collection<String> words) {
        return List.copyOf(new TreeSet<>(words));
    }
}
