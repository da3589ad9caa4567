package org.ssm4j.ops.conv;

import org.jspecify.annotations.Nullable;

/**
 * The causal conv1d written as its definition, in double, on channels-last nested arrays:
 * the reference the op is tested against.
 */
final class ConvReference {

    private ConvReference() {
    }

    /** x at time t (negative: from the initial state, else zero). */
    static double input(double[][][] x, double @Nullable [][][] initialState, int b, int t, int c, int width) {
        if (t >= 0) {
            return x[b][t][c];
        }
        return initialState == null ? 0 : initialState[b][c][t + width - 1];
    }

    /** y (batch, length, channels). */
    static double[][][] forward(double[][][] x, double[][] weight, double @Nullable [] bias,
                                double @Nullable [][][] initialState, boolean silu) {
        int batch = x.length;
        int length = x[0].length;
        int channels = x[0][0].length;
        int width = weight[0].length;
        double[][][] y = new double[batch][length][channels];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < length; t++) {
                for (int c = 0; c < channels; c++) {
                    double z = bias == null ? 0 : bias[c];
                    for (int k = 0; k < width; k++) {
                        z += weight[c][k] * input(x, initialState, b, t - (width - 1) + k, c, width);
                    }
                    y[b][t][c] = silu ? z / (1 + Math.exp(-z)) : z;
                }
            }
        }
        return y;
    }

    /** Final state (batch, channels, width-1): the last width-1 inputs. */
    static double[][][] finalState(double[][][] x, int width, double @Nullable [][][] initialState) {
        int batch = x.length;
        int length = x[0].length;
        int channels = x[0][0].length;
        double[][][] state = new double[batch][channels][width - 1];
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < channels; c++) {
                for (int i = 0; i < width - 1; i++) {
                    state[b][c][i] = input(x, initialState, b, length - (width - 1) + i, c, width);
                }
            }
        }
        return state;
    }
}
