package org.ssm4j.ops.conv;

/**
 * The two outputs of a causal conv1d.
 *
 * @param y          the output, same shape and layout as {@code x}
 * @param finalState the last {@code width - 1} inputs per channel, (batch, channels, width-1)
 * @param <T>        {@code SDVariable} in a graph, {@code INDArray} when run eagerly
 */
public record CausalConv1dResult<T>(T y, T finalState) {
}
