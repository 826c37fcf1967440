package io.metalprompt.worker;

/** Text from outside (a record's header, a field) shown in a reason: quoted, control characters escaped, cut short. */
final class Texts {

    static final int SHOWN = 120;

    private Texts() {
    }

    static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("'");
        int n = 0;
        for (int i = 0; i < s.length() && n < SHOWN; i++, n++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (s.length() > SHOWN) {
            b.append("...' (").append(s.length()).append(" characters)");
        } else {
            b.append('\'');
        }
        return b.toString();
    }

    /** {@code s} cut to at most {@code max} characters (for headers and reasons that must stay small). */
    static String cut(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max) + "...";
    }
}
