package org.ssm4j.mamba.generate;

/**
 * Receives each generated token as soon as it is chosen, on the generating thread, in order
 * for each sequence. From Kotlin, a lambda: {@code { sequence, token -> ... }}.
 */
@FunctionalInterface
public interface TokenListener {

    /** A listener that ignores every token. */
    TokenListener NONE = (sequence, token) -> {
    };

    /**
     * @param sequence the sequence's index in the batch (0 for a single prompt)
     * @param token    the new token's id
     */
    void onToken(int sequence, int token);
}
