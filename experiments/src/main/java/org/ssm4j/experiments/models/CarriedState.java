package org.ssm4j.experiments.models;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A recurrent state that a graph takes as a placeholder and gives back after the sequence, so
 * that the next batch can start where this one stopped.
 *
 * @param input  the placeholder of the state before the sequences
 * @param output the variable of the state after them, shaped like the input
 * @param shape  the state's shape for the graph's batch, batch first
 * @param type   its data type
 */
public record CarriedState(String input, String output, long[] shape, DataType type) {

    /** The state of fresh sequences: zeros. */
    public INDArray zeros() {
        return Nd4j.zeros(type, shape);
    }
}
