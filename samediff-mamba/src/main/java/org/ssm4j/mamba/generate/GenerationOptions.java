package org.ssm4j.mamba.generate;

import java.util.Set;
import java.util.TreeSet;

/**
 * When to stop and how to choose tokens.
 *
 * <p>{@code GenerationOptions.greedy(64).withStopTokens(0)} or
 * {@code GenerationOptions.greedy(64).withSampling(SamplingOptions.temperature(0.7f).withTopP(0.9f))}.
 *
 * @param maxNewTokens most tokens generated per sequence, at least 1
 * @param sampling     how each token is chosen
 * @param stopTokens   ids that end a sequence (its end-of-sequence token); the stop token is
 *                     kept in the output
 */
public record GenerationOptions(int maxNewTokens, SamplingOptions sampling, Set<Integer> stopTokens) {

    public GenerationOptions {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens must be at least 1, got " + maxNewTokens);
        }
        if (sampling == null) {
            throw new IllegalArgumentException("sampling options are required; use SamplingOptions.greedy()");
        }
        for (Integer t : stopTokens) {
            if (t == null || t < 0) {
                throw new IllegalArgumentException("stop token ids must be non-negative, got " + stopTokens);
            }
        }
        stopTokens = Set.copyOf(new TreeSet<>(stopTokens));
    }

    /** Greedy decoding of at most {@code maxNewTokens} tokens, with no stop token. */
    public static GenerationOptions greedy(int maxNewTokens) {
        return new GenerationOptions(maxNewTokens, SamplingOptions.greedy(), Set.of());
    }

    /** These options with another token choice. */
    public GenerationOptions withSampling(SamplingOptions newSampling) {
        return new GenerationOptions(maxNewTokens, newSampling, stopTokens);
    }

    /** These options with these stop tokens (replacing any). */
    public GenerationOptions withStopTokens(int... ids) {
        Set<Integer> set = new TreeSet<>();
        for (int id : ids) {
            set.add(id);
        }
        return new GenerationOptions(maxNewTokens, sampling, set);
    }

    /** These options with another token limit. */
    public GenerationOptions withMaxNewTokens(int newMax) {
        return new GenerationOptions(newMax, sampling, stopTokens);
    }
}
