package io.metalprompt.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time spent by the JIT compiler threads ({@code C1/C2 CompilerThread}) of the system's JVMs and of this one, read
 * from {@code /proc/<pid>/task/<tid>/stat} (Linux; elsewhere 0). A freshly started Quarkus service compiles for
 * minutes under load: measured here, the gateway's C2 threads spent 71 s of CPU over its first two minutes of 8
 * clients, about a third of the gateway's CPU in cells timed after the default 3,000-request warm-up. On two cores
 * that CPU is taken from the served path, so {@link ServingRun} warms up until the compilers fall quiet.
 */
final class CompilerCpu {

    /** Clock ticks per second of {@code /proc}'s times (USER_HZ, 100 on every Linux the harness runs on). */
    private static final double TICKS_PER_SECOND = 100;

    private CompilerCpu() {
    }

    /** Compiler-thread CPU in ms, summed over {@code pids} (name to pid; dead ones count 0) and this JVM. */
    static double millis(Map<String, Long> pids) {
        double ms = millis(ProcessHandle.current().pid());
        for (long pid : pids.values()) {
            ms += millis(pid);
        }
        return ms;
    }

    /** Compiler-thread CPU of one process in ms; 0 when its threads cannot be read. */
    static double millis(long pid) {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        if (!Files.isDirectory(tasks)) {
            return 0;
        }
        long ticks = 0;
        try (Stream<Path> threads = Files.list(tasks)) {
            for (Path t : threads.toList()) {
                ticks += compilerTicks(t.resolve("stat"));
            }
        } catch (IOException e) {
            return 0;
        }
        return ticks * 1000 / TICKS_PER_SECOND;
    }

    /** User + system ticks of a thread whose name is a JIT compiler's, from its stat line; 0 for any other. */
    static long compilerTicks(Path stat) {
        String line;
        try {
            line = Files.readString(stat);
        } catch (IOException e) {
            return 0;   // the thread ended between the listing and the read
        }
        return compilerTicks(line);
    }

    /** As {@link #compilerTicks(Path)} for the text of a stat file: {@code pid (name) state ... utime stime ...}. */
    static long compilerTicks(String statLine) {
        int open = statLine.indexOf('(');
        int close = statLine.lastIndexOf(')');
        if (open < 0 || close < open) {
            return 0;
        }
        String name = statLine.substring(open + 1, close);
        if (!name.matches("C[12] CompilerThre.*")) {
            return 0;
        }
        // after the name: state is field 3; utime and stime are fields 14 and 15 of the whole line
        String[] f = statLine.substring(close + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
