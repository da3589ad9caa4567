package org.ssm4j.experiments.train;

/**
 * Learning rate by step: linear warm-up to {@code peak} over {@code warmup} steps, then cosine
 * decay to {@code min} at step {@code total}.
 * <pre>
 *   lr(s) = peak · (s + 1) / warmup                                   for s &lt; warmup
 *   lr(s) = min + (peak − min) · (1 + cos(π · (s − warmup) / (total − warmup))) / 2   otherwise
 * </pre>
 * where {@code s} counts optimiser steps already taken (the first update uses lr(0)). Warm-up
 * starts at peak/warmup rather than 0, so no step is wasted.
 *
 * @param peak   learning rate at the end of warm-up
 * @param min    learning rate approached at the end of training
 * @param warmup warm-up steps (0: none)
 * @param total  total steps
 */
public record WarmupCosineSchedule(double peak, double min, int warmup, int total) {

    public WarmupCosineSchedule {
        if (!(peak > 0) || !(min >= 0) || min > peak) {
            throw new IllegalArgumentException("need 0 <= min <= peak and peak > 0, got min " + min + " and peak " + peak);
        }
        if (warmup < 0 || total <= 0) {
            throw new IllegalArgumentException("need warmup >= 0 and total > 0, got warmup " + warmup + " and total " + total);
        }
    }

    /** The learning rate of the update that follows {@code step} completed steps. */
    public double lr(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        if (step < warmup) {
            return peak * (step + 1) / warmup;
        }
        double progress = Math.min(1.0, (double) (step - warmup) / Math.max(1, total - warmup));
        return min + (peak - min) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
}
