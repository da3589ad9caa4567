package org.ssm4j.experiments.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

import static org.ssm4j.experiments.config.ConfigChecks.orDefault;
import static org.ssm4j.experiments.config.ConfigChecks.positive;

/**
 * The {@code eval:} section: how the model is evaluated during training (at the training
 * length) and after it (at each of {@code lengths}). Evaluation sets are fixed: drawn from
 * the run's seed and the length, the same at every evaluation.
 *
 * @param samples     sequences per evaluation (default 256)
 * @param batchSize   {@code batch_size}: sequences per forward pass (default 16)
 * @param lengths     sequence lengths of the final evaluation; empty in a config file means the
 *                    training length, which {@link ExperimentConfig} fills in
 * @param maxMemoryMb {@code max_memory_mb}: a length whose estimated activation memory exceeds
 *                    this is skipped and reported as such (default 8192)
 * @param finalSamples {@code final_samples}: sequences per length of the final evaluation
 *                    (default: samples); a larger final set than the periodic one gives the
 *                    reported result a smaller error without slowing training down
 */
public record EvalConfig(int samples, int batchSize, List<Integer> lengths, int maxMemoryMb, int finalSamples) {

    public EvalConfig {
        positive("eval.samples", samples);
        positive("eval.batch_size", batchSize);
        positive("eval.max_memory_mb", maxMemoryMb);
        positive("eval.final_samples", finalSamples);
        if (lengths == null) {
            throw new IllegalArgumentException("eval.lengths must not be null");
        }
        for (Integer length : lengths) {
            if (length == null || length <= 0) {
                throw new IllegalArgumentException("eval.lengths must hold positive lengths, got " + lengths);
            }
        }
        lengths = List.copyOf(lengths);
    }

    /** All defaults, with the training length as the only final length. */
    public static EvalConfig defaults(int trainLength) {
        return fromYaml(null, null, null, null, null).withDefaultLengths(trainLength);
    }

    @JsonCreator
    static EvalConfig fromYaml(@JsonProperty("samples") Integer samples,
                               @JsonProperty("batch_size") Integer batchSize,
                               @JsonProperty("lengths") List<Integer> lengths,
                               @JsonProperty("max_memory_mb") Integer maxMemoryMb,
                               @JsonProperty("final_samples") Integer finalSamples) {
        int periodic = orDefault(samples, 256);
        return new EvalConfig(periodic, orDefault(batchSize, 16), orDefault(lengths, List.of()), orDefault(maxMemoryMb, 8192),
                orDefault(finalSamples, periodic));
    }

    /** This config, with {@code [trainLength]} as lengths if none were given. */
    public EvalConfig withDefaultLengths(int trainLength) {
        return lengths.isEmpty() ? new EvalConfig(samples, batchSize, List.of(trainLength), maxMemoryMb, finalSamples) : this;
    }

    /** The largest activation memory allowed for one forward pass, in bytes. */
    public long maxMemoryBytes() {
        return (long) maxMemoryMb << 20;
    }
}
