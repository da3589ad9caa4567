package org.ssm4j.mamba;

/**
 * How well a model predicts a token sequence.
 *
 * @param loss       mean next-token cross-entropy in nats
 * @param perplexity {@code exp(loss)}
 * @param tokens     number of predicted positions the mean is over
 */
public record Score(double loss, double perplexity, long tokens) {

    /** A score from a mean loss over {@code tokens} positions. */
    public static Score ofLoss(double loss, long tokens) {
        return new Score(loss, Math.exp(loss), tokens);
    }
}
