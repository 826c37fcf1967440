package io.metalprompt.trainer;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A closed set of option values spelled on the command line otherwise than its enum's constants ({@code zero-shot} for
 * {@code ZERO_SHOT}): picocli's converter for the option and its completion candidates, which {@code --help} shows as
 * {@code ${COMPLETION-CANDIDATES}}. Each constant has one or more spellings; the first is the one shown, the others are
 * accepted too (older spellings). A value outside the set is bad input: picocli names the option and the set.
 */
abstract class Spellings<E extends Enum<E>> implements ITypeConverter<E>, Iterable<String> {

    private final Map<String, E> constants = new LinkedHashMap<>();
    private final List<String> shown;

    protected Spellings(Class<E> type, Function<E, List<String>> spellings) {
        for (E constant : type.getEnumConstants()) {
            spellings.apply(constant).forEach(s -> constants.put(s, constant));
        }
        shown = java.util.Arrays.stream(type.getEnumConstants()).map(c -> spellings.apply(c).get(0)).toList();
    }

    @Override
    public E convert(String value) {
        E constant = constants.get(value);
        if (constant == null) {
            throw new TypeConversionException("expected one of " + String.join(", ", shown) + " but was '" + value + "'");
        }
        return constant;
    }

    @Override
    public Iterator<String> iterator() {
        return shown.iterator();
    }
}
