package org.ssm4j.kernels;

/**
 * Sizes and options of one causal depthwise conv1d call, as the conv kernels see it.
 *
 * <p>Kernels work in the channels-last layout, on dense row-major buffers:
 * <ul>
 *   <li>{@code x}, {@code y} and their gradients: (batch, length, channels)</li>
 *   <li>{@code weight}: (channels, width); {@code bias}: (channels)</li>
 *   <li>initial and final conv state: (batch, channels, width - 1), the {@code width - 1}
 *       inputs just before the sequence and the last {@code width - 1} inputs, oldest first</li>
 * </ul>
 * {@code y[b,t,c] = act(bias[c] + sum_k weight[c,k] * x[b, t - (width-1) + k, c])}, where
 * {@code x} at negative times comes from the initial state (zeros without one).
 *
 * @param batch           batch size, at least 1
 * @param length          sequence length, at least 1
 * @param channels        channels, at least 1
 * @param width           kernel width, at least 1
 * @param silu            the output is {@code silu(conv)} instead of {@code conv}
 * @param hasBias         a bias is added
 * @param hasInitialState the inputs before the sequence are given instead of zeros
 */
public record CausalConv1dSpec(int batch, int length, int channels, int width, boolean silu,
                               boolean hasBias, boolean hasInitialState) {

    public CausalConv1dSpec {
        positive("batch", batch);
        positive("length", length);
        positive("channels", channels);
        positive("width", width);
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, got " + value);
        }
    }

    /** Width of the conv state: {@code width - 1} (0 for width 1). */
    public int stateWidth() {
        return width - 1;
    }
}
