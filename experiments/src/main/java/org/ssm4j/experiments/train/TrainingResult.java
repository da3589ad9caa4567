package org.ssm4j.experiments.train;

import org.jspecify.annotations.Nullable;

/**
 * How training went.
 *
 * @param steps        optimiser steps completed
 * @param stopReason   why training stopped before {@code train.steps}, or null
 * @param trainSeconds wall-clock seconds spent in training steps (over all resumed parts)
 * @param tokens       tokens trained on
 */
public record TrainingResult(int steps, @Nullable String stopReason, double trainSeconds, long tokens) {

    /** Training throughput: tokens per second of training-step time. */
    public double tokensPerSecond() {
        return trainSeconds > 0 ? tokens / trainSeconds : Double.NaN;
    }
}
