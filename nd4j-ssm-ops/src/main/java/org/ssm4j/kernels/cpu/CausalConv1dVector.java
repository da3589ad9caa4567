package org.ssm4j.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.ssm4j.kernels.CausalConv1dSpec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The causal conv1d on float buffers with the Vector API: {@link #LANES} neighbouring
 * channels per vector, which are contiguous in the channels-last layout. It handles channel
 * ranges whose size is a multiple of {@link #LANES}; {@link CausalConv1dScalar} does the rest
 * and the state copies. Arithmetic is float with fused multiply-adds.
 */
final class CausalConv1dVector {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** Channels per vector. */
    static final int LANES = SPECIES.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final long FLOAT_BYTES = Float.BYTES;
    private static final FloatVector ONE = FloatVector.broadcast(SPECIES, 1f);

    private CausalConv1dVector() {
    }

    /** The end of the largest prefix of {@code [c0, c1)} made of whole vectors. */
    static int vectorEnd(int c0, int c1) {
        return c0 + (c1 - c0) / LANES * LANES;
    }

    /** Writes {@code y} for batch {@code b}, channels {@code [c0, c1)}, {@code c1 - c0} a multiple of {@link #LANES}. */
    static void forward(CausalConv1dSpec spec, MemorySegment x, MemorySegment weight, MemorySegment bias,
                        MemorySegment initialState, MemorySegment y, int b, int c0, int c1) {
        int length = spec.length();
        int channels = spec.channels();
        int width = spec.width();
        float[] weights = new float[width * LANES];
        float[] history = new float[spec.stateWidth() * LANES];
        for (int c = c0; c < c1; c += LANES) {
            loadBlock(spec, weight, initialState, b, c, weights, history);
            FloatVector biasVector = spec.hasBias()
                    ? FloatVector.fromMemorySegment(SPECIES, bias, c * FLOAT_BYTES, ORDER) : FloatVector.zero(SPECIES);
            for (int t = 0; t < length; t++) {
                FloatVector z = convolve(x, weights, history, biasVector, b, t, c, length, channels, width);
                if (spec.silu()) {
                    z = z.div(z.neg().lanewise(VectorOperators.EXP).add(1f));
                }
                z.intoMemorySegment(y, offset(b, t, c, length, channels), ORDER);
            }
        }
    }

    /** The vector counterpart of {@link CausalConv1dScalar#backward}, same contract. */
    static void backward(CausalConv1dSpec spec, MemorySegment x, MemorySegment weight, MemorySegment bias,
                         MemorySegment initialState, MemorySegment dy, MemorySegment dx,
                         MemorySegment dInitialState, double[] dWeightPartial, double[] dBiasPartial,
                         int b, int c0, int c1) {
        int length = spec.length();
        int channels = spec.channels();
        int width = spec.width();
        int stateWidth = spec.stateWidth();
        float[] weights = new float[width * LANES];
        float[] history = new float[stateWidth * LANES];
        float[] dz = new float[length * LANES];
        float[] lanes = new float[LANES];
        for (int c = c0; c < c1; c += LANES) {
            loadBlock(spec, weight, initialState, b, c, weights, history);
            FloatVector biasVector = spec.hasBias()
                    ? FloatVector.fromMemorySegment(SPECIES, bias, c * FLOAT_BYTES, ORDER) : FloatVector.zero(SPECIES);
            FloatVector dBias = FloatVector.zero(SPECIES);
            for (int t = 0; t < length; t++) {
                FloatVector g = FloatVector.fromMemorySegment(SPECIES, dy, offset(b, t, c, length, channels), ORDER);
                if (spec.silu()) {
                    FloatVector z = convolve(x, weights, history, biasVector, b, t, c, length, channels, width);
                    FloatVector sigmoid = ONE.div(z.neg().lanewise(VectorOperators.EXP).add(1f));
                    g = g.mul(sigmoid).mul(z.mul(sigmoid.neg().add(1f)).add(1f));
                }
                g.intoArray(dz, t * LANES);
                dBias = dBias.add(g);
            }
            dBias.intoArray(lanes, 0);
            for (int j = 0; j < LANES; j++) {
                dBiasPartial[b * channels + c + j] = lanes[j];
            }
            for (int k = 0; k < width; k++) {
                FloatVector sum = FloatVector.zero(SPECIES);
                for (int t = 0; t < length; t++) {
                    FloatVector input = input(x, history, b, t - stateWidth + k, c, length, channels);
                    sum = FloatVector.fromArray(SPECIES, dz, t * LANES).fma(input, sum);
                }
                sum.intoArray(lanes, 0);
                for (int j = 0; j < LANES; j++) {
                    dWeightPartial[(b * channels + c + j) * width + k] = lanes[j];
                }
            }
            for (int s = 0; s < length; s++) {
                FloatVector sum = FloatVector.zero(SPECIES);
                for (int k = Math.max(0, s + stateWidth - length + 1); k < width; k++) {
                    sum = FloatVector.fromArray(SPECIES, weights, k * LANES)
                            .fma(FloatVector.fromArray(SPECIES, dz, (s + stateWidth - k) * LANES), sum);
                }
                sum.intoMemorySegment(dx, offset(b, s, c, length, channels), ORDER);
            }
            if (spec.hasInitialState()) {
                for (int i = 0; i < stateWidth; i++) {
                    FloatVector sum = FloatVector.zero(SPECIES);
                    for (int k = Math.max(0, i - length + 1); k <= i; k++) {
                        sum = FloatVector.fromArray(SPECIES, weights, k * LANES)
                                .fma(FloatVector.fromArray(SPECIES, dz, (i - k) * LANES), sum);
                    }
                    sum.intoArray(lanes, 0);
                    for (int j = 0; j < LANES; j++) {
                        dInitialState.setAtIndex(ValueLayout.JAVA_FLOAT,
                                ((long) b * channels + c + j) * stateWidth + i, lanes[j]);
                    }
                }
            }
        }
    }

    /** Transposes the block's weights to {@code weights[k][lane]} and its initial state to {@code history[i][lane]}. */
    private static void loadBlock(CausalConv1dSpec spec, MemorySegment weight, MemorySegment initialState,
                                  int b, int c, float[] weights, float[] history) {
        int width = spec.width();
        int stateWidth = spec.stateWidth();
        for (int j = 0; j < LANES; j++) {
            for (int k = 0; k < width; k++) {
                weights[k * LANES + j] = weight.getAtIndex(ValueLayout.JAVA_FLOAT, (long) (c + j) * width + k);
            }
            long row = ((long) b * spec.channels() + c + j) * stateWidth;
            for (int i = 0; i < stateWidth; i++) {
                history[i * LANES + j] = spec.hasInitialState()
                        ? initialState.getAtIndex(ValueLayout.JAVA_FLOAT, row + i) : 0f;
            }
        }
    }

    private static FloatVector convolve(MemorySegment x, float[] weights, float[] history, FloatVector bias,
                                        int b, int t, int c, int length, int channels, int width) {
        FloatVector sum = bias;
        int first = t - (width - 1);
        for (int k = 0; k < width; k++) {
            sum = input(x, history, b, first + k, c, length, channels)
                    .fma(FloatVector.fromArray(SPECIES, weights, k * LANES), sum);
        }
        return sum;
    }

    /** The inputs at {@code time} (negative: from the history) of the block's channels. */
    private static FloatVector input(MemorySegment x, float[] history, int b, int time, int c, int length,
                                     int channels) {
        return time < 0
                ? FloatVector.fromArray(SPECIES, history, (time + history.length / LANES) * LANES)
                : FloatVector.fromMemorySegment(SPECIES, x, offset(b, time, c, length, channels), ORDER);
    }

    private static long offset(int b, int t, int c, int length, int channels) {
        return (((long) b * length + t) * channels + c) * FLOAT_BYTES;
    }
}
