package org.ssm4j.experiments.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

import static org.ssm4j.experiments.config.ConfigChecks.orDefault;
import static org.ssm4j.experiments.config.ConfigChecks.positive;

/**
 * The optional {@code sweep:} section: after training, measure the cost of a training step
 * (forward and backward pass) of the run's model at each of several sequence lengths, with
 * the same number of tokens per step at every length, each length in a JVM of its own so
 * that its peak memory is its own.
 *
 * @param lengths       the sequence lengths, ascending
 * @param tokensPerStep {@code tokens_per_step}: tokens per measured step; the batch at length L
 *                      is max(1, tokens_per_step / L) (default 8192)
 * @param steps         timed steps per length, after one untimed warm-up step (default 3)
 * @param maxMemoryMb   {@code max_memory_mb}: a length whose estimated training-step memory
 *                      (12 × the forward pass's activation estimate) exceeds this is skipped
 *                      and reported as such (default 8192)
 */
public record SweepConfig(List<Integer> lengths, int tokensPerStep, int steps, int maxMemoryMb) {

    public SweepConfig {
        if (lengths == null || lengths.isEmpty()) {
            throw new IllegalArgumentException("sweep.lengths must list at least one length");
        }
        for (int i = 0; i < lengths.size(); i++) {
            Integer length = lengths.get(i);
            if (length == null || length <= 0 || (i > 0 && length <= lengths.get(i - 1))) {
                throw new IllegalArgumentException("sweep.lengths must be positive and ascending, got " + lengths);
            }
        }
        lengths = List.copyOf(lengths);
        positive("sweep.tokens_per_step", tokensPerStep);
        positive("sweep.steps", steps);
        positive("sweep.max_memory_mb", maxMemoryMb);
    }

    @JsonCreator
    static SweepConfig fromYaml(@JsonProperty(value = "lengths", required = true) List<Integer> lengths,
                                @JsonProperty("tokens_per_step") Integer tokensPerStep,
                                @JsonProperty("steps") Integer steps,
                                @JsonProperty("max_memory_mb") Integer maxMemoryMb) {
        return new SweepConfig(lengths, orDefault(tokensPerStep, 8192), orDefault(steps, 3), orDefault(maxMemoryMb, 8192));
    }

    /** Sequences per measured step at {@code length}. */
    public int batchAt(int length) {
        return Math.max(1, tokensPerStep / length);
    }

    /** The memory limit in bytes. */
    public long maxMemoryBytes() {
        return (long) maxMemoryMb << 20;
    }
}
