package org.ssm4j.experiments.models;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.experiments.config.ModelConfig;

import java.util.Map;
import java.util.Set;

/**
 * What the trainer needs of any model, whatever its inputs and outputs: the config it was
 * built from, its parameters and which of them take no weight decay.
 *
 * <p>The parameter arrays are live: graphs built from the model use these very arrays as their
 * variables, so the trainer's in-place updates are seen by every graph, and loading a
 * checkpoint means assigning into them.
 */
public interface TrainableModel {

    /** The config the model was built from. */
    ModelConfig config();

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
}
