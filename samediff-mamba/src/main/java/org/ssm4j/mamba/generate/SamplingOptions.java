package org.ssm4j.mamba.generate;

/**
 * How the next token is chosen from the logits, with Hugging Face's semantics and order:
 * temperature, then top-k, then top-p (nucleus), then a draw from the remaining tokens'
 * softmax. A temperature of 0 means greedy decoding (the most likely token; top-k, top-p
 * and the seed are then unused).
 *
 * <p>From Java or Kotlin: {@code SamplingOptions.greedy()} or
 * {@code SamplingOptions.temperature(0.8f).withTopK(40).withTopP(0.95f).withSeed(7)}.
 *
 * @param temperature divides the logits; 0 for greedy decoding, else finite and positive
 * @param topK        keep the k most likely tokens (and any tied with the k-th); 0 keeps all
 * @param topP        keep the most likely tokens whose probabilities first add up to at
 *                    least this; 1 keeps all; in (0, 1]
 * @param seed        seed of the random stream; the same seed gives the same tokens
 */
public record SamplingOptions(float temperature, int topK, float topP, long seed) {

    /** The seed used when none is given. */
    public static final long DEFAULT_SEED = 42L;

    public SamplingOptions {
        if (!(temperature >= 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be 0 (greedy) or finite and positive, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be 0 (off) or positive, got " + topK);
        }
        if (!(topP > 0f && topP <= 1f)) {
            throw new IllegalArgumentException("topP must be in (0, 1] (1 is off), got " + topP);
        }
    }

    /** Greedy decoding: always the most likely token. */
    public static SamplingOptions greedy() {
        return new SamplingOptions(0f, 0, 1f, DEFAULT_SEED);
    }

    /** Sampling at a temperature, with top-k and top-p off and the default seed. */
    public static SamplingOptions temperature(float temperature) {
        return new SamplingOptions(temperature, 0, 1f, DEFAULT_SEED);
    }

    /** True for greedy decoding (temperature 0). */
    public boolean isGreedy() {
        return temperature == 0f;
    }

    /** These options with top-k filtering (0 turns it off). */
    public SamplingOptions withTopK(int k) {
        return new SamplingOptions(temperature, k, topP, seed);
    }

    /** These options with nucleus filtering (1 turns it off). */
    public SamplingOptions withTopP(float p) {
        return new SamplingOptions(temperature, topK, p, seed);
    }

    /** These options with another seed. */
    public SamplingOptions withSeed(long newSeed) {
        return new SamplingOptions(temperature, topK, topP, newSeed);
    }
}
