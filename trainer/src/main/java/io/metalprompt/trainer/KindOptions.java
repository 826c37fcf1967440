package io.metalprompt.trainer;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import io.metalprompt.tasks.Family;

/** The {@code --kinds} / {@code --exclude-kinds} pair of the training commands, as a list of kinds. */
final class KindOptions {

    private KindOptions() {
    }

    /**
     * {@code kinds}: null (the legacy mix: an empty list), {@code all} (every kind but {@link Family#HELD_OUT}),
     * {@code original} (the four of ../shared/tasks), {@code held-out} or kind ids; minus {@code exclude}.
     */
    static List<Family> parse(List<String> kinds, List<String> exclude) {
        if (kinds == null || kinds.isEmpty()) {
            if (exclude != null && !exclude.isEmpty()) {
                throw new IllegalArgumentException("--exclude-kinds needs --kinds");
            }
            return List.of();
        }
        Set<Family> out = EnumSet.noneOf(Family.class);
        for (String k : kinds) {
            switch (k.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "all" -> out.addAll(Family.trainable());
                case "original" -> out.addAll(Family.originals());
                case "held-out" -> out.addAll(Family.HELD_OUT);
                default -> out.add(Family.parse(k.trim()));
            }
        }
        if (exclude != null) {
            for (String k : exclude) {
                Family f = Family.parse(k.trim());
                if (!out.remove(f)) {
                    throw new IllegalArgumentException("--exclude-kinds " + f.id() + " is not among --kinds " + kinds);
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--kinds " + kinds + " minus --exclude-kinds leaves no kind to train on");
        }
        return List.copyOf(out);
    }
}
