package org.ssm4j.mamba.generate;

import java.util.Arrays;
import java.util.List;

/**
 * What a generation produced.
 *
 * @param sequences       per prompt, its tokens followed by the generated ones
 * @param generated       per prompt, how many tokens were generated
 * @param finishReasons   per prompt, why it stopped
 * @param promptTokens    prompt tokens over all sequences
 * @param prefillNanos    time spent on the prompts
 * @param decodeNanos     time spent after the prefill: token steps, sampling and listeners
 */
public record GenerationResult(List<int[]> sequences, List<Integer> generated, List<FinishReason> finishReasons,
                               long promptTokens, long prefillNanos, long decodeNanos) {

    /** Why a sequence stopped. */
    public enum FinishReason {
        /** It generated a stop token. */
        STOP_TOKEN,
        /** It reached the token limit. */
        MAX_NEW_TOKENS
    }

    public GenerationResult {
        sequences = List.copyOf(sequences);
        generated = List.copyOf(generated);
        finishReasons = List.copyOf(finishReasons);
    }

    /** Tokens generated over all sequences. */
    public long generatedTokens() {
        return generated.stream().mapToLong(Integer::longValue).sum();
    }

    /** The generated tokens of sequence {@code i}, without its prompt. */
    public int[] newTokens(int i) {
        int[] all = sequences.get(i);
        return Arrays.copyOfRange(all, all.length - generated.get(i), all.length);
    }

    /** Generated tokens per second of the whole generation (prefill included). */
    public double tokensPerSecond() {
        return generatedTokens() / ((prefillNanos + decodeNanos) / 1e9);
    }

    /** Prompt tokens per second of the prefill. */
    public double prefillTokensPerSecond() {
        return promptTokens / (prefillNanos / 1e9);
    }
}
