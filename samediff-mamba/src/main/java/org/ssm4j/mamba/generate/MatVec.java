package org.ssm4j.mamba.generate;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.ssm4j.kernels.cpu.VectorMath;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Matrix-vector products {@code y = W x} over float32 row-major weights, for the token step:
 * each weight is read once per step for every sequence of the batch, so the step runs at
 * memory bandwidth. Four rows at a time share each load of {@code x}; the rows of a block
 * are applied to every sequence while they are in cache. All buffers are little-endian
 * float32 {@link MemorySegment}s; offsets and strides count floats.
 */
final class MatVec {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ORDER);

    private MatVec() {
    }

    /**
     * For rows {@code [rowFrom, rowTo)} of {@code w} (rows × cols) and every sequence
     * {@code s < batch}: {@code y[s*yStride + r] (+)= Σ_c w[r, c] · x[s*xStride + c]}.
     *
     * @param accumulate add to {@code y} instead of overwriting it
     */
    static void multiply(MemorySegment w, int cols, MemorySegment x, long xStride, MemorySegment y, long yStride,
                         int batch, int rowFrom, int rowTo, boolean accumulate) {
        int vectorCols = SPECIES.loopBound(cols);
        long rowBytes = (long) cols * Float.BYTES;
        int r = rowFrom;
        for (; r + 4 <= rowTo; r += 4) {
            long w0 = r * rowBytes;
            long w1 = w0 + rowBytes;
            long w2 = w1 + rowBytes;
            long w3 = w2 + rowBytes;
            for (int s = 0; s < batch; s++) {
                long xs = s * xStride * Float.BYTES;
                FloatVector a0 = FloatVector.zero(SPECIES);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                for (int c = 0; c < vectorCols; c += LANES) {
                    long cb = (long) c * Float.BYTES;
                    FloatVector xv = FloatVector.fromMemorySegment(SPECIES, x, xs + cb, ORDER);
                    a0 = FloatVector.fromMemorySegment(SPECIES, w, w0 + cb, ORDER).fma(xv, a0);
                    a1 = FloatVector.fromMemorySegment(SPECIES, w, w1 + cb, ORDER).fma(xv, a1);
                    a2 = FloatVector.fromMemorySegment(SPECIES, w, w2 + cb, ORDER).fma(xv, a2);
                    a3 = FloatVector.fromMemorySegment(SPECIES, w, w3 + cb, ORDER).fma(xv, a3);
                }
                float d0 = VectorMath.sum(a0);
                float d1 = VectorMath.sum(a1);
                float d2 = VectorMath.sum(a2);
                float d3 = VectorMath.sum(a3);
                for (int c = vectorCols; c < cols; c++) {
                    long cb = (long) c * Float.BYTES;
                    float xc = x.get(FLOAT, xs + cb);
                    d0 += w.get(FLOAT, w0 + cb) * xc;
                    d1 += w.get(FLOAT, w1 + cb) * xc;
                    d2 += w.get(FLOAT, w2 + cb) * xc;
                    d3 += w.get(FLOAT, w3 + cb) * xc;
                }
                long ys = (s * yStride + r) * Float.BYTES;
                store(y, ys, d0, accumulate);
                store(y, ys + Float.BYTES, d1, accumulate);
                store(y, ys + 2 * Float.BYTES, d2, accumulate);
                store(y, ys + 3 * Float.BYTES, d3, accumulate);
            }
        }
        for (; r < rowTo; r++) {
            long w0 = r * rowBytes;
            for (int s = 0; s < batch; s++) {
                long xs = s * xStride * Float.BYTES;
                FloatVector a0 = FloatVector.zero(SPECIES);
                for (int c = 0; c < vectorCols; c += LANES) {
                    long cb = (long) c * Float.BYTES;
                    a0 = FloatVector.fromMemorySegment(SPECIES, w, w0 + cb, ORDER)
                            .fma(FloatVector.fromMemorySegment(SPECIES, x, xs + cb, ORDER), a0);
                }
                float d0 = VectorMath.sum(a0);
                for (int c = vectorCols; c < cols; c++) {
                    long cb = (long) c * Float.BYTES;
                    d0 += w.get(FLOAT, w0 + cb) * x.get(FLOAT, xs + cb);
                }
                store(y, (s * yStride + r) * Float.BYTES, d0, accumulate);
            }
        }
    }

    private static void store(MemorySegment y, long offset, float value, boolean accumulate) {
        y.set(FLOAT, offset, accumulate ? y.get(FLOAT, offset) + value : value);
    }
}
