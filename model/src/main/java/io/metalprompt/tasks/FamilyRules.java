package io.metalprompt.tasks;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Applies a family's rule to a sentence with a {@link Lexicon}: which labels the rule allows. A homograph (a
 * content word that is also a filler, such as "saw") may be read either way, so every reading of the sentence is
 * tried and a sentence can allow more than one label; a well-formed sentence without homographs allows exactly one,
 * and a malformed one allows none.
 */
public final class FamilyRules {

    /** Most homographs read both ways; beyond, the rest are read as fillers (2^10 readings at most). */
    private static final int MAX_AMBIGUOUS = 10;

    private final Lexicon lexicon;

    public FamilyRules(Lexicon lexicon) {
        this.lexicon = lexicon;
    }

    /** The labels {@code spec}'s rule allows for {@code input} (words separated by whitespace). */
    public Set<String> allowedLabels(TaskSpec spec, String input) {
        List<String> words = List.of(input.trim().split("\\s+"));
        List<Integer> ambiguous = new ArrayList<>();
        for (int i = 0; i < words.size() && ambiguous.size() < MAX_AMBIGUOUS; i++) {
            if (lexicon.isFiller(words.get(i)) && lexicon.categoryOf(words.get(i)).isPresent()) {
                ambiguous.add(i);
            }
        }
        Set<String> out = new LinkedHashSet<>();
        for (int reading = 0; reading < 1 << ambiguous.size(); reading++) {
            List<String> categories = new ArrayList<>(words.size()); // a word's category in this reading, or null
            for (int i = 0; i < words.size(); i++) {
                String w = words.get(i);
                boolean asFiller = lexicon.isFiller(w)
                        && !(ambiguous.contains(i) && (reading >> ambiguous.indexOf(i) & 1) == 1);
                categories.add(asFiller ? null : lexicon.categoryOf(w).orElse(null));
            }
            label(spec, words, categories).ifPresent(l -> out.add(spec.labels().get(l)));
        }
        return out;
    }

    /** The label index {@code spec}'s rule gives one reading of the sentence, empty when it gives none. */
    private OptionalInt label(TaskSpec spec, List<String> words, List<String> categories) {
        List<String> cats = spec.categories();
        List<String> inTask = categories.stream().filter(c -> c != null && cats.contains(c)).toList();
        List<String> content = categories.stream().filter(c -> c != null).toList();
        return switch (spec.family()) {
            case TOPIC -> inTask.size() == 1 ? OptionalInt.of(cats.indexOf(inTask.get(0))) : OptionalInt.empty();
            case GROUP -> inTask.size() == 1
                    ? OptionalInt.of(cats.indexOf(inTask.get(0)) % spec.labels().size()) : OptionalInt.empty();
            case FIRST -> inTask.isEmpty() ? OptionalInt.empty() : OptionalInt.of(cats.indexOf(inTask.get(0)));
            case LAST -> inTask.isEmpty() ? OptionalInt.empty()
                    : OptionalInt.of(cats.indexOf(inTask.get(inTask.size() - 1)));
            case SECOND -> inTask.size() < 2 ? OptionalInt.empty() : OptionalInt.of(cats.indexOf(inTask.get(1)));
            case PRESENCE -> yesNo(inTask.contains(cats.get(0)));
            case BOTH -> yesNo(inTask.contains(cats.get(0)) && inTask.contains(cats.get(1)));
            case EITHER -> yesNo(!inTask.isEmpty());
            case MAJORITY -> {
                long a = inTask.stream().filter(cats.get(0)::equals).count();
                long b = inTask.size() - a;
                yield a == b ? OptionalInt.empty() : OptionalInt.of(a > b ? 0 : 1);
            }
            case COUNT -> content.isEmpty() || content.size() > spec.labels().size()
                    ? OptionalInt.empty() : OptionalInt.of(content.size() - 1);
            case SAME -> content.size() != 2 ? OptionalInt.empty() : yesNo(content.get(0).equals(content.get(1)));
            case SENTIMENT -> {
                long pos = words.stream().filter(lexicon::isPositive).count();
                long neg = words.stream().filter(lexicon::isNegative).count();
                yield pos == neg ? OptionalInt.empty() : OptionalInt.of(pos > neg ? 0 : 1);
            }
            case FIRST_EMOTION -> {
                Optional<String> first = words.stream().filter(w -> lexicon.isPositive(w) || lexicon.isNegative(w))
                        .findFirst();
                yield first.isEmpty() ? OptionalInt.empty() : OptionalInt.of(lexicon.isPositive(first.get()) ? 0 : 1);
            }
            case EMOTIONAL -> yesNo(words.stream().anyMatch(w -> lexicon.isPositive(w) || lexicon.isNegative(w)));
            case LENGTH -> words.size() <= 5 ? OptionalInt.of(0) : words.size() >= 8 ? OptionalInt.of(1)
                    : OptionalInt.empty();
        };
    }

    private static OptionalInt yesNo(boolean yes) {
        return OptionalInt.of(yes ? 0 : 1);
    }
}
