package io.metalprompt.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the benchmark tables record about where they ran: the machine (Linux {@code /proc}; "unknown" elsewhere) and
 * the code (the checkout's commit).
 */
final class Machine {

    private Machine() {
    }

    static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    /** Other work on the cores skews timings; the tables record how busy the machine was (1/5/15-minute load). */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** The checkout's commit as {@code `abc1234`}, marked when tracked files differ from it; "(unknown)" without git. */
    static String gitCommit(Path root) {
        try {
            String commit = git(root, "rev-parse", "--short", "HEAD");
            String changed = git(root, "status", "--porcelain", "--untracked-files=no");
            return commit == null ? "(unknown)" : "`" + commit + "`" + (changed == null || changed.isEmpty() ? ""
                    : " (with uncommitted changes to tracked files)");
        } catch (IOException e) {
            return "(unknown)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(unknown)";
        }
    }

    private static String git(Path root, String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 1];
        command[0] = "git";
        System.arraycopy(args, 0, command, 1, args.length);
        Process p = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        return p.waitFor() == 0 ? out : null;
    }
}
