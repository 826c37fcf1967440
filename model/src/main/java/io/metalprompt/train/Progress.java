package io.metalprompt.train;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * A one-line progress bar for training: step, loss, tokens/s, ETA. Redraws in place on a terminal;
 * prints a plain line every {@code everySteps} otherwise (logs, CI).
 */
public final class Progress {

    private final PrintStream out;
    private final long totalSteps;
    private final long firstStep;
    private final int everySteps;
    private final boolean terminal;
    private final long startNanos = System.nanoTime();
    private long tokens;

    public Progress(PrintStream out, long firstStep, long totalSteps, int everySteps) {
        this.out = out;
        this.firstStep = firstStep;
        this.totalSteps = totalSteps;
        this.everySteps = Math.max(1, everySteps);
        this.terminal = System.console() != null;
    }

    /** Reports finished step {@code step} (1-based) with its loss, extra text, and the tokens it read. */
    public void update(long step, double loss, String extra, long stepTokens) {
        tokens += stepTokens;
        if (!terminal && step % everySteps != 0 && step != totalSteps) {
            return;
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        long done = step - firstStep;
        double perStep = done > 0 ? seconds / done : 0;
        Duration eta = Duration.ofSeconds((long) (perStep * (totalSteps - step)));
        int width = 24;
        int filled = (int) (width * step / Math.max(1, totalSteps));
        String bar = "#".repeat(filled) + ".".repeat(width - filled);
        String line = String.format(Locale.ROOT, "[%s] step %d/%d loss %.4f %s| %.0f tok/s | ETA %s",
                bar, step, totalSteps, loss, extra == null ? "" : extra + " ", tokens / Math.max(seconds, 1e-9),
                format(eta));
        if (terminal) {
            out.print("\r" + line);
            if (step == totalSteps) {
                out.println();
            }
        } else {
            out.println(line);
        }
        out.flush();
    }

    private static String format(Duration d) {
        return String.format(Locale.ROOT, "%d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart());
    }
}
