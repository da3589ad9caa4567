package org.ssm4j.experiments.models;

/**
 * A next-token model over a small vocabulary that the trainer can train and the evaluator
 * can score: a SameDiff graph mapping a batch of token ids to logits.
 */
public interface SequenceModel extends TrainableModel {

    /** Number of token ids the model reads and predicts. */
    int vocabSize();

    /**
     * Builds a new forward graph for {@code batch} sequences of {@code length} tokens:
     * placeholder {@link ModelGraph#inputName()} of integer token ids {@code (batch, length)},
     * output logits {@code (batch, length, vocabSize)}. (A graph with free batch and length
     * dimensions serves too.) Each call returns a graph of its own, which callers may extend.
     */
    ModelGraph buildGraph(int batch, int length);

    /**
     * Builds a forward graph as {@link #buildGraph} does, whose sequences start from the
     * recurrent states in its {@link ModelGraph#carriedStates()} placeholders and which gives
     * back their states after the sequence (for {@code train.state_passing}).
     *
     * @throws IllegalArgumentException if the model has no recurrent state to carry
     */
    default ModelGraph buildGraphCarryingState(int batch, int length) {
        throw new IllegalArgumentException("train.state_passing needs a model with a recurrent state (type mamba); "
                + getClass().getSimpleName() + " has none");
    }

    /**
     * An estimate of the memory one forward pass at this size needs for activations, in bytes,
     * so that evaluations that cannot fit are skipped rather than attempted.
     */
    long estimateForwardBytes(int batch, int length);
}
