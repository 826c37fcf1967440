package io.metalprompt.testing;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rules of Prometheus' text exposition format 0.0.4 (what {@code promtool check metrics} parses), applied line by
 * line to a scrape: {@code # HELP} docstrings escape only {@code \\} and {@code \n}; {@code # TYPE} names one of the
 * five types, once per metric and before its samples; a sample is {@code name{label="value",...} value [timestamp]}
 * with label values escaping only {@code \\}, {@code \"} and {@code \n}, a float value and an integer timestamp, and
 * nothing after it: no OpenMetrics exemplar ({@code # {trace_id=...} 1.0 1700000000.123}).
 */
public final class TextFormatRules {

    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final String LABEL = "[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\"";
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(\\{(?:" + LABEL + "(?:," + LABEL + ")*,?)?\\})?"
            + "[ \\t]+(\\S+)(?:[ \\t]+(\\S+))?[ \\t]*");
    private static final Pattern HELP = Pattern.compile("#[ \\t]+HELP[ \\t]+(" + NAME + ")(?:[ \\t](.*))?");
    private static final Pattern TYPE = Pattern.compile("#[ \\t]+TYPE[ \\t]+(" + NAME + ")[ \\t]+(\\S+)[ \\t]*");
    private static final Pattern HELP_ESCAPES = Pattern.compile("(?:[^\\\\]|\\\\[\\\\n])*");
    private static final Pattern FLOAT = Pattern.compile("[+-]?(?:(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?|Inf|NaN)",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern TIMESTAMP = Pattern.compile("-?\\d+");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");
    private static final List<String> SUFFIXES = List.of("_bucket", "_count", "_sum");

    private TextFormatRules() {
    }

    /** Every line of {@code exposition} that breaks a rule, as "line N: reason: the line"; empty when it parses. */
    public static List<String> problems(String exposition) {
        List<String> problems = new ArrayList<>();
        Set<String> helped = new HashSet<>();
        Set<String> typed = new HashSet<>();
        Set<String> sampled = new HashSet<>();
        String[] lines = exposition.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            String problem = line.isBlank() ? null
                    : line.startsWith("#") ? comment(line, helped, typed, sampled)
                    : sample(line, sampled);
            if (problem != null) {
                problems.add("line " + (i + 1) + ": " + problem + ": " + line);
            }
        }
        return problems;
    }

    private static String comment(String line, Set<String> helped, Set<String> typed, Set<String> sampled) {
        Matcher help = HELP.matcher(line);
        if (help.matches()) {
            if (!helped.add(help.group(1))) {
                return "a second HELP line for " + help.group(1);
            }
            String doc = help.group(2) == null ? "" : help.group(2);
            return HELP_ESCAPES.matcher(doc).matches() ? null : "HELP escapes anything but \\\\ and \\n";
        }
        Matcher type = TYPE.matcher(line);
        if (type.matches()) {
            if (!TYPES.contains(type.group(2))) {
                return "unknown type " + type.group(2);
            }
            if (!typed.add(type.group(1))) {
                return "a second TYPE line for " + type.group(1);
            }
            return sampled.contains(type.group(1)) ? "TYPE after samples of " + type.group(1) : null;
        }
        return line.matches("#[ \\t]+(HELP|TYPE)\\b.*") ? "malformed HELP or TYPE line" : null;
    }

    private static String sample(String line, Set<String> sampled) {
        Matcher m = SAMPLE.matcher(line);
        if (!m.matches()) {
            return line.contains(" # ") ? "an exemplar (OpenMetrics only)" : "not name{labels} value [timestamp]";
        }
        if (!FLOAT.matcher(m.group(3)).matches()) {
            return "value " + m.group(3) + " is not a float";
        }
        if (m.group(4) != null && !TIMESTAMP.matcher(m.group(4)).matches()) {
            return "timestamp " + m.group(4) + " is not an integer";
        }
        sampled.add(m.group(1));
        SUFFIXES.stream().filter(m.group(1)::endsWith)
                .forEach(s -> sampled.add(m.group(1).substring(0, m.group(1).length() - s.length())));
        return null;
    }
}
