package org.ssm4j.experiments.models;

import org.ssm4j.experiments.config.ModelConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.Set;

/**
 * A next-token model over a small vocabulary that the trainer can train and the evaluator
 * can score: its parameters, which of them take no weight decay, and a SameDiff graph
 * mapping a batch of token ids to logits.
 *
 * <p>The parameter arrays are live: graphs built by {@link #buildGraph} use these very arrays
 * as their variables, so the trainer's in-place updates are seen by every graph, and loading
 * a checkpoint means assigning into them.
 */
public interface SequenceModel {

    /** The config the model was built from. */
    ModelConfig config();

    /** Number of token ids the model reads and predicts. */
    int vocabSize();

    /** The trainable parameters by name, in a fixed order. */
    Map<String, INDArray> parameters();

    /**
     * Names of the parameters excluded from weight decay (norm weights, biases and, for SSMs,
     * {@code A_log} and {@code D}).
     */
    Set<String> noDecayParameterNames();

    /** Total number of trainable scalars. */
    default long parameterCount() {
        return parameters().values().stream().mapToLong(INDArray::length).sum();
    }

    /**
     * Builds a new forward graph for {@code batch} sequences of {@code length} tokens:
     * placeholder {@link ModelGraph#inputName()} of integer token ids {@code (batch, length)},
     * output logits {@code (batch, length, vocabSize)}. (A graph with free batch and length
     * dimensions serves too.) Each call returns a graph of its own, which callers may extend.
     */
    ModelGraph buildGraph(int batch, int length);

    /**
     * An estimate of the memory one forward pass at this size needs for activations, in bytes,
     * so that evaluations that cannot fit are skipped rather than attempted.
     */
    long estimateForwardBytes(int batch, int length);
}
