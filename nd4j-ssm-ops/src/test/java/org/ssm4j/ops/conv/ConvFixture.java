package org.ssm4j.ops.conv;

import org.jspecify.annotations.Nullable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.ops.Layout;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Random inputs of one causal conv1d case, as nested double arrays (channels-last) and as ND4J arrays. */
final class ConvFixture {

    final int batch;
    final int length;
    final int channels;
    final int width;
    final DataType type;
    final CausalConv1dConfig config;
    final double[][][] x;
    final double[][] weight;
    final double @Nullable [] bias;
    final double @Nullable [][][] initialState;

    private ConvFixture(long seed, int batch, int length, int channels, int width, boolean hasBias,
                        boolean hasInitialState, CausalConv1dConfig config, DataType type) {
        this.batch = batch;
        this.length = length;
        this.channels = channels;
        this.width = width;
        this.type = type;
        this.config = config;
        Random random = new Random(seed);
        x = new double[batch][length][channels];
        fill(random, x);
        weight = new double[channels][width];
        for (double[] row : weight) {
            fill(random, row);
        }
        bias = hasBias ? new double[channels] : null;
        if (bias != null) {
            fill(random, bias);
        }
        initialState = hasInitialState ? new double[batch][channels][width - 1] : null;
        if (initialState != null) {
            fill(random, initialState);
        }
    }

    static ConvFixture of(long seed, int batch, int length, int channels, int width, boolean hasBias,
                          boolean hasInitialState, CausalConv1dConfig config, DataType type) {
        return new ConvFixture(seed, batch, length, channels, width, hasBias, hasInitialState, config, type);
    }

    private static void fill(Random random, double[] values) {
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextDouble() * 2 - 1;
        }
    }

    private static void fill(Random random, double[][][] values) {
        for (double[][] plane : values) {
            for (double[] row : plane) {
                fill(random, row);
            }
        }
    }

    /** x in the configured layout. */
    INDArray xArray() {
        return toLayout(Nd4j.create(x).castTo(type));
    }

    INDArray weightArray() {
        return Nd4j.create(weight).castTo(type);
    }

    @Nullable INDArray biasArray() {
        return bias == null ? null : Nd4j.createFromArray(bias).castTo(type);
    }

    @Nullable INDArray initialStateArray() {
        return initialState == null ? null : stateArray(initialState);
    }

    INDArray stateArray(double[][][] state) {
        return width == 1 ? Nd4j.create(type, batch, channels, 0) : Nd4j.create(state).castTo(type);
    }

    /** A channels-last (batch, length, channels) array in the configured layout, as a dense copy. */
    INDArray toLayout(INDArray channelsLast) {
        return config.layout() == Layout.CHANNELS_LAST ? channelsLast : channelsLast.permute(0, 2, 1).dup('c');
    }

    /** An array in the configured layout as channels-last. */
    INDArray toChannelsLast(INDArray sequence) {
        return config.layout() == Layout.CHANNELS_LAST ? sequence : sequence.permute(0, 2, 1);
    }

    double[][][] expectedY() {
        return ConvReference.forward(x, weight, bias, initialState, config.silu());
    }

    double[][][] expectedFinalState() {
        return ConvReference.finalState(x, width, initialState);
    }

    /** Tolerance for this case's type: results differ from the double reference by rounding only. */
    double tolerance() {
        return type == DataType.DOUBLE ? 1e-12 : 2e-5;
    }

    static void assertClose(double[][][] expected, INDArray actual, double tolerance, String what) {
        assertEquals(expected.length, actual.size(0), what + " size 0");
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[i].length; j++) {
                for (int k = 0; k < expected[i][j].length; k++) {
                    double value = actual.getDouble(i, j, k);
                    assertFalse(Double.isNaN(value), what + " NaN at " + i + "," + j + "," + k);
                    assertEquals(expected[i][j][k], value, tolerance * Math.max(1, Math.abs(expected[i][j][k])),
                            what + " at " + i + "," + j + "," + k);
                }
            }
        }
    }

    static void assertClose(INDArray expected, INDArray actual, double tolerance, String what) {
        assertEquals(java.util.Arrays.toString(expected.shape()), java.util.Arrays.toString(actual.shape()), what + " shape");
        double[] e = expected.dup('c').data().asDouble();
        double[] a = actual.dup('c').data().asDouble();
        for (int i = 0; i < e.length; i++) {
            assertFalse(Double.isNaN(a[i]), what + " NaN at flat index " + i);
            assertEquals(e[i], a[i], tolerance * Math.max(1, Math.abs(e[i])), what + " at flat index " + i);
        }
    }

    @Override
    public String toString() {
        return "batch=" + batch + " length=" + length + " channels=" + channels + " width=" + width + " bias="
                + (bias != null) + " init=" + (initialState != null) + " " + config + " " + type;
    }
}
