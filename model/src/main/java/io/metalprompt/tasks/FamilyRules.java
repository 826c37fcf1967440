package io.metalprompt.tasks;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Applies a family's rule to a sentence with a {@link Lexicon}: which labels the rule allows. A homograph (a
 * content word that is also a filler, such as "saw") may be read either way, so a sentence can allow more than
 * one label; a well-formed sentence without homographs allows exactly one, and a malformed one allows none.
 */
public final class FamilyRules {

    private final Lexicon lexicon;

    public FamilyRules(Lexicon lexicon) {
        this.lexicon = lexicon;
    }

    /** The labels {@code spec}'s rule allows for {@code input} (words separated by whitespace). */
    public Set<String> allowedLabels(TaskSpec spec, String input) {
        List<String> words = List.of(input.trim().split("\\s+"));
        Set<String> out = new LinkedHashSet<>();
        switch (spec.family()) {
            case TOPIC -> {
                List<String> sure = words.stream().filter(w -> inTask(spec, w) && !lexicon.isFiller(w)).toList();
                if (sure.size() == 1) {
                    out.add(spec.labelOf(category(sure.get(0))));
                } else if (sure.isEmpty()) {
                    words.stream().filter(w -> inTask(spec, w)).forEach(w -> out.add(spec.labelOf(category(w))));
                }
            }
            case FIRST -> {
                for (String w : words) {
                    if (inTask(spec, w)) {
                        out.add(spec.labelOf(category(w)));
                        if (!lexicon.isFiller(w)) {
                            break;
                        }
                    }
                }
            }
            case PRESENCE -> {
                String target = spec.categories().get(0);
                boolean sure = words.stream().anyMatch(w -> isIn(w, target) && !lexicon.isFiller(w));
                boolean maybe = words.stream().anyMatch(w -> isIn(w, target));
                if (sure || maybe) {
                    out.add(spec.labels().get(0));
                }
                if (!sure) {
                    out.add(spec.labels().get(1));
                }
            }
            case SENTIMENT -> {
                long pos = words.stream().filter(lexicon::isPositive).count();
                long neg = words.stream().filter(lexicon::isNegative).count();
                if (pos > neg) {
                    out.add(spec.labels().get(0));
                } else if (neg > pos) {
                    out.add(spec.labels().get(1));
                }
            }
        }
        return out;
    }

    private boolean inTask(TaskSpec spec, String word) {
        Optional<String> c = lexicon.categoryOf(word);
        return c.isPresent() && spec.categories().contains(c.get());
    }

    private boolean isIn(String word, String category) {
        return lexicon.categoryOf(word).filter(category::equals).isPresent();
    }

    private String category(String word) {
        return lexicon.categoryOf(word).orElseThrow();
    }
}
