package org.ssm4j.experiments.train;

import org.ssm4j.experiments.eval.EvalResult;

import java.nio.file.Path;

/** Hooks into a run (training and final evaluation) (progress display, logging); every method has an empty default. */
public interface TrainingListener {

    /**
     * Training starts (or resumes) at {@code startStep} of {@code totalSteps}, each step
     * processing {@code tokensPerStep} tokens.
     */
    default void onStart(int startStep, int totalSteps, long tokensPerStep) {
    }

    /** A step finished. */
    default void onStep(StepMetrics metrics) {
    }

    /** An evaluation finished after {@code step} steps. */
    default void onEvaluation(int step, EvalResult result) {
    }

    /** A checkpoint was written after {@code step} steps. */
    default void onCheckpoint(int step, Path file) {
    }

    /** Training ended (all steps done or stopped early). */
    default void onEnd(TrainingResult result) {
    }

    /** One length of the final evaluation (after training) finished. */
    default void onFinalEvaluation(EvalResult result) {
    }
}
