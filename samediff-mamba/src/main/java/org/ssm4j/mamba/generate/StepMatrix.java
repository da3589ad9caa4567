package org.ssm4j.mamba.generate;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.ssm4j.kernels.cpu.VectorMath;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A weight matrix (rows, cols) as a token step reads it: {@code y = W x} for a block of rows
 * and every sequence of the batch, in float32 ({@link MatVec} on the weights themselves) or
 * in bfloat16 (a packed copy at half the bytes).
 */
abstract sealed class StepMatrix {

    final int rows;
    final int cols;

    private StepMatrix(int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
    }

    /** The matrix in the given precision; float32 reads {@code weights} in place. */
    static StepMatrix of(FloatTensor weights, int rows, int cols, StepPrecision precision) {
        return precision == StepPrecision.FLOAT32 ? new Float32(weights, rows, cols) : new BFloat16(weights, rows, cols);
    }

    /**
     * For rows {@code [rowFrom, rowTo)} and every sequence {@code s < batch}:
     * {@code y[s*yStride + r] (+)= Σ_c W[r, c] · x[s*xStride + c]} (offsets in floats).
     */
    abstract void multiply(MemorySegment x, long xStride, MemorySegment y, long yStride, int batch,
                           int rowFrom, int rowTo, boolean accumulate);

    private static final class Float32 extends StepMatrix {
        private final FloatTensor weights;

        Float32(FloatTensor weights, int rows, int cols) {
            super(rows, cols);
            this.weights = weights;
        }

        @Override
        void multiply(MemorySegment x, long xStride, MemorySegment y, long yStride, int batch, int rowFrom, int rowTo,
                      boolean accumulate) {
            MatVec.multiply(weights.segment, cols, x, xStride, y, yStride, batch, rowFrom, rowTo, accumulate);
        }
    }

    /**
     * bfloat16 weights packed so that one integer vector load yields two float vectors with
     * two integer operations: each block of {@code 2·LANES} columns of a row is stored as
     * {@code LANES} ints, int {@code k} holding column {@code c+k} in its low half and column
     * {@code c+LANES+k} in its high half; {@code int << 16} and {@code int & 0xFFFF0000} are
     * then the float32 values of the two halves, which multiply {@code x[c..]} and
     * {@code x[c+LANES..]} as they lie. Columns past the last whole block are plain bfloat16.
     */
    static final class BFloat16 extends StepMatrix {
        private static final VectorSpecies<Float> FLOATS = MatVec.SPECIES;
        private static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, FLOATS.vectorShape());
        private static final int LANES = FLOATS.length();
        private static final int BLOCK = 2 * LANES;
        private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
        private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ORDER);
        private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ORDER);

        private final MemorySegment packed;

        BFloat16(FloatTensor weights, int rows, int cols) {
            super(rows, cols);
            this.packed = Arena.ofAuto().allocate((long) rows * cols * Short.BYTES, 64);
            int blocks = cols / BLOCK;
            for (long r = 0; r < rows; r++) {
                long in = r * cols;
                long out = r * cols * Short.BYTES;
                for (int b = 0; b < blocks; b++) {
                    for (int k = 0; k < LANES; k++) {
                        long c = (long) b * BLOCK + k;
                        packed.set(SHORT, out + (c - k + 2L * k) * Short.BYTES, round(weights.get(in + c)));
                        packed.set(SHORT, out + (c - k + 2L * k + 1) * Short.BYTES, round(weights.get(in + c + LANES)));
                    }
                }
                for (long c = (long) blocks * BLOCK; c < cols; c++) {
                    packed.set(SHORT, out + c * Short.BYTES, round(weights.get(in + c)));
                }
            }
        }

        /** float32 to bfloat16, rounding to nearest even. */
        static short round(float value) {
            int bits = Float.floatToRawIntBits(value);
            return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
        }

        /** The float32 value of a bfloat16. */
        static float widen(short value) {
            return Float.intBitsToFloat(value << 16);
        }

        /** The stored (rounded) weight at (row, col), for tests. */
        float weight(int row, int col) {
            long c = col;
            int blocks = cols / BLOCK;
            if (col < blocks * BLOCK) {
                long k = col % BLOCK;
                long base = col - k;
                c = k < LANES ? base + 2 * k : base + 2 * (k - LANES) + 1;
            }
            return widen(packed.get(SHORT, ((long) row * cols + c) * Short.BYTES));
        }

        @Override
        void multiply(MemorySegment x, long xStride, MemorySegment y, long yStride, int batch, int rowFrom, int rowTo,
                      boolean accumulate) {
            int vectorCols = cols / BLOCK * BLOCK;
            long rowBytes = (long) cols * Short.BYTES;
            int r = rowFrom;
            for (; r + 2 <= rowTo; r += 2) {
                long w0 = r * rowBytes;
                long w1 = w0 + rowBytes;
                for (int s = 0; s < batch; s++) {
                    long xs = s * xStride * Float.BYTES;
                    FloatVector a0 = FloatVector.zero(FLOATS);
                    FloatVector a1 = a0;
                    for (int c = 0; c < vectorCols; c += BLOCK) {
                        FloatVector low = FloatVector.fromMemorySegment(FLOATS, x, xs + (long) c * Float.BYTES, ORDER);
                        FloatVector high = FloatVector.fromMemorySegment(FLOATS, x, xs + (long) (c + LANES) * Float.BYTES, ORDER);
                        long cb = (long) c * Short.BYTES;
                        IntVector i0 = IntVector.fromMemorySegment(INTS, packed, w0 + cb, ORDER);
                        IntVector i1 = IntVector.fromMemorySegment(INTS, packed, w1 + cb, ORDER);
                        a0 = i0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(low, a0);
                        a1 = i1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(low, a1);
                        a0 = i0.and(0xFFFF0000).reinterpretAsFloats().fma(high, a0);
                        a1 = i1.and(0xFFFF0000).reinterpretAsFloats().fma(high, a1);
                    }
                    float d0 = VectorMath.sum(a0);
                    float d1 = VectorMath.sum(a1);
                    for (int c = vectorCols; c < cols; c++) {
                        float xc = x.get(FLOAT, xs + (long) c * Float.BYTES);
                        d0 += widen(packed.get(SHORT, w0 + (long) c * Short.BYTES)) * xc;
                        d1 += widen(packed.get(SHORT, w1 + (long) c * Short.BYTES)) * xc;
                    }
                    long ys = (s * yStride + r) * Float.BYTES;
                    store(y, ys, d0, accumulate);
                    store(y, ys + Float.BYTES, d1, accumulate);
                }
            }
            for (; r < rowTo; r++) {
                long w0 = r * rowBytes;
                for (int s = 0; s < batch; s++) {
                    long xs = s * xStride * Float.BYTES;
                    FloatVector a0 = FloatVector.zero(FLOATS);
                    for (int c = 0; c < vectorCols; c += BLOCK) {
                        IntVector i0 = IntVector.fromMemorySegment(INTS, packed, w0 + (long) c * Short.BYTES, ORDER);
                        a0 = i0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()
                                .fma(FloatVector.fromMemorySegment(FLOATS, x, xs + (long) c * Float.BYTES, ORDER), a0);
                        a0 = i0.and(0xFFFF0000).reinterpretAsFloats()
                                .fma(FloatVector.fromMemorySegment(FLOATS, x, xs + (long) (c + LANES) * Float.BYTES, ORDER), a0);
                    }
                    float d0 = VectorMath.sum(a0);
                    for (int c = vectorCols; c < cols; c++) {
                        d0 += widen(packed.get(SHORT, w0 + (long) c * Short.BYTES)) * x.get(FLOAT, xs + (long) c * Float.BYTES);
                    }
                    store(y, (s * yStride + r) * Float.BYTES, d0, accumulate);
                }
            }
        }

        private static void store(MemorySegment y, long offset, float value, boolean accumulate) {
            y.set(FLOAT, offset, accumulate ? y.get(FLOAT, offset) + value : value);
        }
    }
}
