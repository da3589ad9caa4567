package org.ssm4j.experiments.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import static org.ssm4j.experiments.config.ConfigChecks.nonNegative;
import static org.ssm4j.experiments.config.ConfigChecks.orDefault;

/**
 * When to stop before {@code train.steps}. Both rules are checked after each evaluation.
 *
 * @param patience       stop after this many evaluations without the evaluation loss falling
 *                       below the best so far by more than {@code min_delta}; 0 (default) turns
 *                       the rule off
 * @param minDelta       {@code min_delta}: improvement that counts (default 0)
 * @param targetAccuracy {@code target_accuracy}: stop once the evaluation accuracy reaches this;
 *                       0 (default) turns the rule off
 */
public record EarlyStopConfig(int patience, double minDelta, double targetAccuracy) {

    /** Early stopping switched off. */
    public static final EarlyStopConfig OFF = new EarlyStopConfig(0, 0, 0);

    public EarlyStopConfig {
        nonNegative("train.early_stop.patience", patience);
        nonNegative("train.early_stop.min_delta", minDelta);
        if (!(targetAccuracy >= 0 && targetAccuracy <= 1)) {
            throw new IllegalArgumentException("train.early_stop.target_accuracy must be in [0, 1], got " + targetAccuracy);
        }
    }

    @JsonCreator
    static EarlyStopConfig fromYaml(@JsonProperty("patience") Integer patience,
                                    @JsonProperty("min_delta") Double minDelta,
                                    @JsonProperty("target_accuracy") Double targetAccuracy) {
        return new EarlyStopConfig(orDefault(patience, 0), orDefault(minDelta, 0.0), orDefault(targetAccuracy, 0.0));
    }
}
