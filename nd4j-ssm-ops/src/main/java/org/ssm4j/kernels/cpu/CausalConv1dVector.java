package org.ssm4j.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.ssm4j.kernels.CausalConv1dSpec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The causal conv1d on float buffers with the Vector API, over a range of neighbouring
 * channels whose size is a multiple of {@link #LANES}: one time step at a time, the range's
 * channels (contiguous in the channels-last layout) {@link #LANES} per vector.
 * {@link CausalConv1dScalar} does the channels left over and the state copies. Arithmetic
 * is float with fused multiply-adds.
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

    /**
     * The range's weights, bias and initial state, transposed so that each tap (or state
     * column) holds the range's channels contiguously: {@code weights[k * n + j]},
     * {@code history[i * n + j]} for channel {@code c0 + j}.
     */
    private record Block(int b, int c0, int n, float[] weights, float[] bias, float[] history) {

        static Block load(CausalConv1dSpec spec, MemorySegment weight, MemorySegment bias,
                          MemorySegment initialState, int b, int c0, int c1) {
            int n = c1 - c0;
            int width = spec.width();
            int stateWidth = spec.stateWidth();
            float[] weights = new float[width * n];
            float[] biases = new float[n];
            float[] history = new float[stateWidth * n];
            for (int j = 0; j < n; j++) {
                int c = c0 + j;
                for (int k = 0; k < width; k++) {
                    weights[k * n + j] = weight.getAtIndex(ValueLayout.JAVA_FLOAT, (long) c * width + k);
                }
                biases[j] = spec.hasBias() ? bias.getAtIndex(ValueLayout.JAVA_FLOAT, c) : 0f;
                long row = ((long) b * spec.channels() + c) * stateWidth;
                for (int i = 0; i < stateWidth; i++) {
                    history[i * n + j] = spec.hasInitialState()
                            ? initialState.getAtIndex(ValueLayout.JAVA_FLOAT, row + i) : 0f;
                }
            }
            return new Block(b, c0, n, weights, biases, history);
        }

        FloatVector weight(int k, int j) {
            return FloatVector.fromArray(SPECIES, weights, k * n + j);
        }

        /** Inputs of channels {@code c0 + j ..} at {@code time} (negative: from the initial state). */
        FloatVector input(MemorySegment x, CausalConv1dSpec spec, int time, int j) {
            return time < 0
                    ? FloatVector.fromArray(SPECIES, history, (time + spec.stateWidth()) * n + j)
                    : FloatVector.fromMemorySegment(SPECIES, x, offset(spec, b, time, c0 + j), ORDER);
        }

        /** The convolution before the activation at time {@code t}. */
        FloatVector convolve(MemorySegment x, CausalConv1dSpec spec, int t, int j) {
            FloatVector sum = FloatVector.fromArray(SPECIES, bias, j);
            int first = t - spec.stateWidth();
            for (int k = 0; k < spec.width(); k++) {
                sum = input(x, spec, first + k, j).fma(weight(k, j), sum);
            }
            return sum;
        }
    }

    /** Writes {@code y} for batch {@code b}, channels {@code [c0, c1)}, {@code c1 - c0} a multiple of {@link #LANES}. */
    static void forward(CausalConv1dSpec spec, MemorySegment x, MemorySegment weight, MemorySegment bias,
                        MemorySegment initialState, MemorySegment y, int b, int c0, int c1) {
        Block block = Block.load(spec, weight, bias, initialState, b, c0, c1);
        for (int t = 0; t < spec.length(); t++) {
            for (int j = 0; j < block.n(); j += LANES) {
                FloatVector z = block.convolve(x, spec, t, j);
                if (spec.silu()) {
                    z = z.div(VectorMath.exp(z.neg()).add(ONE));
                }
                z.intoMemorySegment(y, offset(spec, b, t, c0 + j), ORDER);
            }
        }
    }

    /** The vector counterpart of {@link CausalConv1dScalar#backward}, same contract. */
    static void backward(CausalConv1dSpec spec, MemorySegment x, MemorySegment weight, MemorySegment bias,
                         MemorySegment initialState, MemorySegment dy, MemorySegment dx,
                         MemorySegment dInitialState, double[] dWeightPartial, double[] dBiasPartial,
                         int b, int c0, int c1) {
        Block block = Block.load(spec, weight, bias, initialState, b, c0, c1);
        int n = block.n();
        int length = spec.length();
        int width = spec.width();
        int stateWidth = spec.stateWidth();
        float[] dz = new float[length * n];
        float[] dBias = new float[n];
        float[] dWeight = new float[width * n];
        for (int t = 0; t < length; t++) {
            for (int j = 0; j < n; j += LANES) {
                FloatVector g = FloatVector.fromMemorySegment(SPECIES, dy, offset(spec, b, t, c0 + j), ORDER);
                if (spec.silu()) {
                    FloatVector z = block.convolve(x, spec, t, j);
                    FloatVector sigmoid = VectorMath.sigmoid(z);
                    g = g.mul(sigmoid).mul(z.mul(ONE.sub(sigmoid)).add(ONE));
                }
                g.intoArray(dz, t * n + j);
                FloatVector.fromArray(SPECIES, dBias, j).add(g).intoArray(dBias, j);
                for (int k = 0; k < width; k++) {
                    FloatVector.fromArray(SPECIES, dWeight, k * n + j)
                            .add(g.mul(block.input(x, spec, t - stateWidth + k, j)))
                            .intoArray(dWeight, k * n + j);
                }
            }
        }
        for (int j = 0; j < n; j++) {
            int c = c0 + j;
            dBiasPartial[b * spec.channels() + c] = dBias[j];
            for (int k = 0; k < width; k++) {
                dWeightPartial[(b * spec.channels() + c) * width + k] = dWeight[k * n + j];
            }
        }
        for (int s = 0; s < length; s++) {
            int firstTap = Math.max(0, s + stateWidth - length + 1);
            for (int j = 0; j < n; j += LANES) {
                FloatVector sum = FloatVector.zero(SPECIES);
                for (int k = firstTap; k < width; k++) {
                    sum = block.weight(k, j).fma(FloatVector.fromArray(SPECIES, dz, (s + stateWidth - k) * n + j), sum);
                }
                sum.intoMemorySegment(dx, offset(spec, b, s, c0 + j), ORDER);
            }
        }
        if (spec.hasInitialState()) {
            float[] lanes = new float[LANES];
            for (int i = 0; i < stateWidth; i++) {
                for (int j = 0; j < n; j += LANES) {
                    FloatVector sum = FloatVector.zero(SPECIES);
                    for (int k = Math.max(0, i - length + 1); k <= i; k++) {
                        sum = block.weight(k, j).fma(FloatVector.fromArray(SPECIES, dz, (i - k) * n + j), sum);
                    }
                    sum.intoArray(lanes, 0);
                    for (int lane = 0; lane < LANES; lane++) {
                        dInitialState.setAtIndex(ValueLayout.JAVA_FLOAT,
                                ((long) b * spec.channels() + c0 + j + lane) * stateWidth + i, lanes[lane]);
                    }
                }
            }
        }
    }

    private static long offset(CausalConv1dSpec spec, int b, int t, int c) {
        return (((long) b * spec.length() + t) * spec.channels() + c) * FLOAT_BYTES;
    }
}
