package io.metalprompt.train;

/** Linear warm-up to {@code peak}, then cosine decay to {@code floor} at {@code totalSteps}. */
public record LrSchedule(double peak, double floor, int warmupSteps, int totalSteps) {

    public LrSchedule {
        if (peak <= 0 || floor < 0 || floor > peak || warmupSteps < 0 || totalSteps <= 0) {
            throw new IllegalArgumentException("bad learning-rate schedule: peak " + peak + ", floor " + floor
                    + ", warm-up " + warmupSteps + ", total " + totalSteps);
        }
    }

    /** Learning rate for update number {@code step} (0-based). */
    public double at(long step) {
        if (step < warmupSteps) {
            return peak * (step + 1) / warmupSteps;
        }
        double progress = Math.min(1.0, (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
        return floor + 0.5 * (peak - floor) * (1 + Math.cos(Math.PI * progress));
    }
}
