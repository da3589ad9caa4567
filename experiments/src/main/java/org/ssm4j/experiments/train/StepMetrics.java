package org.ssm4j.experiments.train;

/**
 * What one optimiser step measured.
 *
 * @param step            optimiser steps completed (1 after the first)
 * @param loss            mean answer loss over the step's micro-batches
 * @param lr              learning rate used
 * @param gradNorm        global gradient norm before clipping
 * @param tokens          tokens trained on so far
 * @param seconds         wall-clock seconds of this step
 * @param tokensPerSecond tokens of this step per second of it
 */
public record StepMetrics(int step, double loss, double lr, double gradNorm, long tokens, double seconds,
                          double tokensPerSecond) {
}
