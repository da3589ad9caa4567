package org.ssm4j.experiments.train;

import org.jspecify.annotations.Nullable;
import org.ssm4j.experiments.config.EarlyStopConfig;
import org.ssm4j.experiments.eval.EvalResult;

/**
 * Decides after each evaluation whether training should stop early (see
 * {@link EarlyStopConfig}). Its state is part of checkpoints.
 */
public final class EarlyStopping {

    /**
     * @param bestLoss       lowest evaluation loss so far (+∞ before the first evaluation)
     * @param evalsSinceBest evaluations since the loss last improved by more than min_delta
     */
    public record State(double bestLoss, int evalsSinceBest) {
        /** The state before any evaluation. */
        public static final State INITIAL = new State(Double.POSITIVE_INFINITY, 0);
    }

    private final EarlyStopConfig config;
    private State state = State.INITIAL;
    private @Nullable String reason;

    public EarlyStopping(EarlyStopConfig config) {
        this.config = config;
    }

    /** The state to save. */
    public State state() {
        return state;
    }

    /** Restores a saved state. */
    public void restore(State saved) {
        state = saved;
    }

    /**
     * Takes an evaluation into account.
     *
     * @return true if training should stop now; {@link #reason()} then says why
     */
    public boolean shouldStop(EvalResult result) {
        boolean improved = result.loss() < state.bestLoss() - config.minDelta();
        state = improved ? new State(result.loss(), 0) : new State(state.bestLoss(), state.evalsSinceBest() + 1);
        if (config.targetAccuracy() > 0 && result.accuracy() >= config.targetAccuracy()) {
            reason = String.format("evaluation accuracy %.4f reached the target %.4f", result.accuracy(), config.targetAccuracy());
            return true;
        }
        if (config.patience() > 0 && state.evalsSinceBest() >= config.patience()) {
            reason = String.format("evaluation loss has not improved on %.6f for %d evaluations", state.bestLoss(),
                    state.evalsSinceBest());
            return true;
        }
        return false;
    }

    /** Why {@link #shouldStop} last answered true, or null. */
    public @Nullable String reason() {
        return reason;
    }
}
