package io.metalprompt.train;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import io.metalprompt.lm.Safetensors;

/**
 * The loop both trainers share: resume from {@code OUT/checkpoint}, then per step the trainer's forward and backward
 * ({@link Step}), the learning-rate schedule (linear warm-up, cosine to a tenth), an AdamW update (skipped, but
 * counted, when the loss or the gradient is not finite), the loss curve and progress line, and every
 * {@code checkpointEvery} steps (and at the run's last step) an atomic checkpoint and the curve's plot. A run stops
 * at {@code steps}, or after {@code stopAfter} steps of this run. A resumed run computes exactly what an
 * uninterrupted one does, as long as each step's randomness comes from its step number.
 */
public final class TrainingLoop {

    /**
     * One step's numbers: the loss that was backpropagated, the curve's other columns, the progress line's text
     * before {@code lr} and the gradient norm (e.g. {@code "acc 0.50 "}), and the tokens the step read.
     */
    public record StepResult(double loss, double[] metrics, String text, long tokens) {
    }

    /** Forward and backward of step {@code step} (0-based), in one {@code NDScope} and one {@code GradientCollector}. */
    @FunctionalInterface
    public interface Step {
        StepResult run(long step);
    }

    /** What trains: its live parameters, how a checkpoint holds them and how a resumed run gets them back. */
    public interface Trainee {
        Map<String, NDArray> parameters();

        /** Writes the parameters into a new checkpoint folder. */
        void writeTo(Path checkpoint) throws IOException;

        /** Loads the parameters from {@code checkpoint} (nothing to do when the model was loaded from it). */
        void restore(Path checkpoint);

        /** Live parameters kept in the checkpoint as one safetensors file, {@code file}, and restored in place. */
        static Trainee ofParameters(Map<String, NDArray> params, String file) {
            return new Trainee() {
                @Override
                public Map<String, NDArray> parameters() {
                    return params;
                }

                @Override
                public void writeTo(Path checkpoint) {
                    Safetensors.write(checkpoint.resolve(file), params);
                }

                @Override
                public void restore(Path checkpoint) {
                    Params.load(checkpoint.resolve(file), params, "checkpoint " + checkpoint);
                }
            };
        }
    }

    /**
     * How a run went: its first and last step, and the loss of every step of this run whose update was applied.
     */
    public record Result(long start, long end, boolean finished, long[] steps, double[] losses) {
        /** Mean loss of the last {@code n} updated steps of this run (NaN when there were none). */
        public double meanOfLast(int n) {
            return java.util.Arrays.stream(losses, Math.max(0, losses.length - n), losses.length).average()
                    .orElse(Double.NaN);
        }

        /** Mean loss of this run's updated steps numbered (1-based) above {@code step} (NaN when there were none). */
        public double meanAfter(long step) {
            double sum = 0;
            int n = 0;
            for (int i = 0; i < steps.length; i++) {
                if (steps[i] > step) {
                    sum += losses[i];
                    n++;
                }
            }
            return n > 0 ? sum / n : Double.NaN;
        }
    }

    private final Path out;
    private final int steps;
    private final double lr;
    private final int warmupSteps;
    private final int checkpointEvery;
    private final int stopAfter;
    private final int progressEvery;
    private final double averageDecay;
    private final List<String> series;
    private final String title;
    private final PrintStream log;

    private TrainingLoop(Builder b, PrintStream log) {
        this.out = b.out;
        this.steps = b.steps;
        this.lr = b.lr;
        this.warmupSteps = b.warmupSteps;
        this.checkpointEvery = b.checkpointEvery;
        this.stopAfter = b.stopAfter;
        this.progressEvery = b.progressEvery;
        this.averageDecay = b.averageDecay;
        this.series = b.series;
        this.title = b.title;
        this.log = log;
    }

    /** A loop writing {@code OUT/checkpoint}, {@code OUT/curve.csv} and {@code OUT/loss.png}, to {@code steps}. */
    public static Builder builder(Path out, int steps) {
        return new Builder(out, steps);
    }

    /** The checkpoint folder of a run writing to {@code out}. */
    public static Path checkpoint(Path out) {
        return out.resolve("checkpoint");
    }

    /**
     * Runs (or resumes) the loop; the caller publishes the result when {@link Result#finished()}. With a parameter
     * average ({@link Builder#optAverage}), a finished run leaves the average in the trainee's parameters.
     */
    public Result run(AdamW optimizer, Trainee trainee, Step step) {
        Path checkpoint = checkpoint(out);
        LossCurve curve = new LossCurve(out.resolve("curve.csv"), series);
        long start = 0;
        boolean resume = Files.exists(checkpoint.resolve("state.json"));
        if (resume) {
            trainee.restore(checkpoint);
            optimizer.load(checkpoint.resolve("optimizer.safetensors"));
            start = optimizer.steps();
            curve.truncateAfter(start);
            log.printf(Locale.ROOT, "resuming %s at step %d%n", out, start);
        }
        Map<String, NDArray> params = trainee.parameters();
        try (ParameterAverage average = averageDecay > 0 ? new ParameterAverage(params, averageDecay) : null) {
            if (average != null && resume) {
                average.restore(checkpoint);
            }
            Result result = loop(optimizer, trainee, step, params, average, start, curve);
            if (average != null && result.finished()) {
                average.copyInto(params);
                log.printf(Locale.ROOT, "parameters replaced by their moving average (decay %s)%n", averageDecay);
            }
            return result;
        }
    }

    private Result loop(AdamW optimizer, Trainee trainee, Step step, Map<String, NDArray> params,
                        ParameterAverage average, long start, LossCurve curve) {
        Path checkpoint = checkpoint(out);
        LrSchedule schedule = new LrSchedule(lr, lr / 10, warmupSteps, steps);
        Progress progress = new Progress(log, start, steps, progressEvery);
        long end = stopAfter > 0 ? Math.min(steps, start + stopAfter) : steps;
        List<Long> updated = new ArrayList<>();
        List<Double> losses = new ArrayList<>();
        for (long s = start; s < end; s++) {
            StepResult r = step.run(s);
            double rate = schedule.at(s);
            long done = s + 1;
            if (update(optimizer, params, r, rate, done, curve, progress, average)) {
                updated.add(done);
                losses.add(r.loss());
            }
            if (done % checkpointEvery == 0 || done == end) {
                try {
                    Checkpoint.write(checkpoint, dir -> {
                        trainee.writeTo(dir);
                        if (average != null) {
                            average.writeTo(dir);
                        }
                    }, optimizer);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write the checkpoint " + checkpoint, e);
                }
                curve.plot(out.resolve("loss.png"), title);
            }
        }
        if (end < steps) {
            log.printf(Locale.ROOT, "stopped at step %d of %d (--stop-after); run again to resume%n", end, steps);
        }
        return new Result(start, end, end == steps, updated.stream().mapToLong(Long::longValue).toArray(),
                losses.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** Applies step {@code done}'s update, or skips it; records it. Returns whether the loss counts (finite). */
    private boolean update(AdamW optimizer, Map<String, NDArray> params, StepResult r, double rate, long done,
                           LossCurve curve, Progress progress, ParameterAverage average) {
        double[] row = new double[r.metrics().length + 1];
        System.arraycopy(r.metrics(), 0, row, 1, r.metrics().length);
        if (!Double.isFinite(r.loss())) {
            // a non-finite loss would turn every parameter into NaN through the update: drop the step
            log.printf(Locale.ROOT, "%nstep %d: non-finite loss %s, update skipped%n", done, r.loss());
            optimizer.skip(params);
            row[0] = Double.NaN;
            curve.append(done, row);
            return false;
        }
        double gradNorm = optimizer.step(params, rate);
        if (AdamW.isSkipped(gradNorm)) {
            log.printf(Locale.ROOT, "%nstep %d: non-finite gradient (loss %.4f), update skipped%n", done, r.loss());
        } else if (average != null) {
            average.update(params);
        }
        row[0] = r.loss();
        curve.append(done, row);
        progress.update(done, r.loss(), r.text() + String.format(Locale.ROOT, "lr %.1e |g| %.2f", rate, gradNorm),
                r.tokens());
        return true;
    }

    /** Defaults in brackets. */
    public static final class Builder {
        private final Path out;
        private final int steps;
        private double lr = 1e-3;
        private int warmupSteps;
        private int checkpointEvery = 100;
        private int stopAfter;
        private int progressEvery = 10;
        private double averageDecay;
        private List<String> series = List.of("loss");
        private String title = "training loss";

        private Builder(Path out, int steps) {
            this.out = out;
            this.steps = steps;
        }

        /** Peak learning rate and warm-up steps [1e-3, 0]. */
        public Builder optLr(double peak, int warmup) { lr = peak; warmupSteps = warmup; return this; }
        /** [100] */
        public Builder optCheckpointEvery(int n) { checkpointEvery = n; return this; }
        /** Stop after this many steps of this run [0: run to the end]. */
        public Builder optStopAfter(int n) { stopAfter = n; return this; }
        /** Without a terminal, a progress line every this many steps [10]. */
        public Builder optProgressEvery(int n) { progressEvery = n; return this; }
        /**
         * Keep an exponential moving average of the parameters with this decay ({@link ParameterAverage}), written
         * into every checkpoint; a finished run's parameters are replaced by it [0: none].
         */
        public Builder optAverage(double decay) { averageDecay = decay; return this; }
        /** The curve's columns after {@code step}: the loss, then each step's metrics; and the plot's title. */
        public Builder optCurve(List<String> columns, String plotTitle) { series = List.copyOf(columns); title = plotTitle; return this; }

        public TrainingLoop build(PrintStream log) {
            return new TrainingLoop(this, log);
        }
    }
}
