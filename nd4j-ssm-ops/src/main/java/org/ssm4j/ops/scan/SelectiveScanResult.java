package org.ssm4j.ops.scan;

/**
 * The outputs of a selective scan that a model uses.
 *
 * @param y         the gated output, shaped like {@code u}
 * @param lastState the state after the last step, (batch, channels, state); differentiable
 * @param <T>       {@code SDVariable} in a graph, {@code INDArray} when run eagerly
 */
public record SelectiveScanResult<T>(T y, T lastState) {
}
