package io.metalprompt.bench;

import java.util.function.BiConsumer;

/** A bench's command line: {@code --name value} pairs, each handed to {@code set}; -h or --help prints the usage. */
final class CommandLine {

    private CommandLine() {
    }

    static void parse(String[] args, String usage, BiConsumer<String, String> set) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                System.out.println(usage);
                System.exit(0);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + a + " needs a value");
            }
            set.accept(a, args[++i]);
        }
    }
}
