package org.ssm4j.kernels.cpu;

import org.ssm4j.kernels.CausalConv1dSpec;
import org.ssm4j.kernels.ElementType;

import java.lang.foreign.MemorySegment;

import static org.ssm4j.kernels.cpu.ElementAccess.get;
import static org.ssm4j.kernels.cpu.ElementAccess.set;

/**
 * The causal conv1d computed one channel at a time in double arithmetic, for float and double
 * buffers: the double kernel, the float fallback without the Vector API, and the channels the
 * vector kernel leaves over. Buffer layouts are those of {@link CausalConv1dSpec}.
 */
final class CausalConv1dScalar {

    private CausalConv1dScalar() {
    }

    /** Writes {@code y} for batch {@code b}, channels {@code [c0, c1)}. */
    static void forward(CausalConv1dSpec spec, ElementType type, MemorySegment x, MemorySegment weight,
                        MemorySegment bias, MemorySegment initialState, MemorySegment y,
                        int b, int c0, int c1) {
        int length = spec.length();
        int channels = spec.channels();
        int width = spec.width();
        double[] history = new double[spec.stateWidth()];
        double[] w = new double[width];
        for (int c = c0; c < c1; c++) {
            loadChannel(spec, type, weight, initialState, b, c, w, history);
            double biasValue = spec.hasBias() ? get(type, bias, c) : 0;
            for (int t = 0; t < length; t++) {
                double z = convolve(type, x, w, history, biasValue, b, t, c, length, channels);
                set(type, y, ((long) b * length + t) * channels + c, spec.silu() ? silu(z) : z);
            }
        }
    }

    /**
     * Writes {@code dx} and {@code dInitialState} for batch {@code b}, channels
     * {@code [c0, c1)}, and this batch's share of the weight and bias gradients into
     * {@code dWeightPartial[b][c][k]} and {@code dBiasPartial[b][c]}. The final-state
     * gradient is added separately ({@link #addFinalStateGradient}).
     */
    static void backward(CausalConv1dSpec spec, ElementType type, MemorySegment x, MemorySegment weight,
                         MemorySegment bias, MemorySegment initialState, MemorySegment dy,
                         MemorySegment dx, MemorySegment dInitialState,
                         double[] dWeightPartial, double[] dBiasPartial, int b, int c0, int c1) {
        int length = spec.length();
        int channels = spec.channels();
        int width = spec.width();
        int stateWidth = spec.stateWidth();
        double[] history = new double[stateWidth];
        double[] w = new double[width];
        double[] dz = new double[length];
        for (int c = c0; c < c1; c++) {
            loadChannel(spec, type, weight, initialState, b, c, w, history);
            double biasValue = spec.hasBias() ? get(type, bias, c) : 0;
            double dBias = 0;
            for (int t = 0; t < length; t++) {
                double g = get(type, dy, ((long) b * length + t) * channels + c);
                if (spec.silu()) {
                    g *= siluDerivative(convolve(type, x, w, history, biasValue, b, t, c, length, channels));
                }
                dz[t] = g;
                dBias += g;
            }
            dBiasPartial[b * channels + c] = dBias;
            for (int k = 0; k < width; k++) {
                double sum = 0;
                for (int t = 0; t < length; t++) {
                    sum += dz[t] * input(type, x, history, b, t - stateWidth + k, c, length, channels);
                }
                dWeightPartial[(b * channels + c) * width + k] = sum;
            }
            for (int s = 0; s < length; s++) {
                double sum = 0;
                for (int k = 0; k < width; k++) {
                    int t = s + stateWidth - k;
                    if (t < length) {
                        sum += w[k] * dz[t];
                    }
                }
                set(type, dx, ((long) b * length + s) * channels + c, sum);
            }
            if (spec.hasInitialState()) {
                for (int i = 0; i < stateWidth; i++) {
                    double sum = 0;
                    for (int k = 0; k <= i; k++) {
                        if (i - k < length) {
                            sum += w[k] * dz[i - k];
                        }
                    }
                    set(type, dInitialState, ((long) b * channels + c) * stateWidth + i, sum);
                }
            }
        }
    }

    /** Writes the final conv state for batch {@code b}, channels {@code [c0, c1)}. */
    static void finalState(CausalConv1dSpec spec, ElementType type, MemorySegment x,
                           MemorySegment initialState, MemorySegment finalState, int b, int c0, int c1) {
        int length = spec.length();
        int channels = spec.channels();
        int stateWidth = spec.stateWidth();
        for (int c = c0; c < c1; c++) {
            long row = ((long) b * channels + c) * stateWidth;
            for (int i = 0; i < stateWidth; i++) {
                int time = length - stateWidth + i;
                double value;
                if (time >= 0) {
                    value = get(type, x, ((long) b * length + time) * channels + c);
                } else {
                    value = spec.hasInitialState() ? get(type, initialState, row + time + stateWidth) : 0;
                }
                set(type, finalState, row + i, value);
            }
        }
    }

    /**
     * Adds the gradient of the final state to {@code dx} (for entries that came from
     * {@code x}) and to {@code dInitialState} (entries that came from the initial state), for
     * batch {@code b}, channels {@code [c0, c1)}.
     */
    static void addFinalStateGradient(CausalConv1dSpec spec, ElementType type, MemorySegment dFinalState,
                                      MemorySegment dx, MemorySegment dInitialState, int b, int c0, int c1) {
        int length = spec.length();
        int channels = spec.channels();
        int stateWidth = spec.stateWidth();
        for (int c = c0; c < c1; c++) {
            long row = ((long) b * channels + c) * stateWidth;
            for (int i = 0; i < stateWidth; i++) {
                double g = get(type, dFinalState, row + i);
                int time = length - stateWidth + i;
                if (time >= 0) {
                    long index = ((long) b * length + time) * channels + c;
                    set(type, dx, index, get(type, dx, index) + g);
                } else if (spec.hasInitialState()) {
                    long index = row + time + stateWidth;
                    set(type, dInitialState, index, get(type, dInitialState, index) + g);
                }
            }
        }
    }

    static double silu(double z) {
        return z / (1 + Math.exp(-z));
    }

    static double siluDerivative(double z) {
        double sigmoid = 1 / (1 + Math.exp(-z));
        return sigmoid * (1 + z * (1 - sigmoid));
    }

    private static void loadChannel(CausalConv1dSpec spec, ElementType type, MemorySegment weight,
                                    MemorySegment initialState, int b, int c, double[] w, double[] history) {
        int width = spec.width();
        for (int k = 0; k < width; k++) {
            w[k] = get(type, weight, (long) c * width + k);
        }
        long row = ((long) b * spec.channels() + c) * spec.stateWidth();
        for (int i = 0; i < history.length; i++) {
            history[i] = spec.hasInitialState() ? get(type, initialState, row + i) : 0;
        }
    }

    private static double convolve(ElementType type, MemorySegment x, double[] w, double[] history,
                                   double bias, int b, int t, int c, int length, int channels) {
        double sum = bias;
        int first = t - history.length;
        for (int k = 0; k < w.length; k++) {
            sum += w[k] * input(type, x, history, b, first + k, c, length, channels);
        }
        return sum;
    }

    /** The input at {@code time} (negative: from the history) of channel {@code c}. */
    private static double input(ElementType type, MemorySegment x, double[] history, int b, int time, int c,
                                int length, int channels) {
        return time < 0 ? history[time + history.length]
                : get(type, x, ((long) b * length + time) * channels + c);
    }
}
