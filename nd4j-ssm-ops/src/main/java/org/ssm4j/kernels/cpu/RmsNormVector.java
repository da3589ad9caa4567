package org.ssm4j.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * RMSNorm rows of float32 memory with the Vector API ({@link RmsNormCpu} for the definitions).
 * A row's mean square is summed lane-wise in float and the scale rounded to float, as
 * Hugging Face's float32 {@code MambaRMSNorm} computes it; offsets are in floats.
 */
public final class RmsNormVector {

    private static final VectorSpecies<Float> SPECIES = VectorMath.SPECIES;
    private static final int LANES = SPECIES.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ORDER);

    private RmsNormVector() {
    }

    /** {@code out[i] = weight[i] · (x[i] · r)} over {@code n} floats, {@code r = 1 / sqrt(mean(x²) + epsilon)}. */
    public static void forwardRow(MemorySegment x, long xOffset, MemorySegment weight, float epsilon,
                                  MemorySegment out, long outOffset, int n) {
        long xb = xOffset * Float.BYTES;
        long ob = outOffset * Float.BYTES;
        float r = scale(x, xb, epsilon, n);
        int bound = SPECIES.loopBound(n);
        for (int i = 0; i < bound; i += LANES) {
            long ib = (long) i * Float.BYTES;
            FloatVector.fromMemorySegment(SPECIES, x, xb + ib, ORDER).mul(r)
                    .mul(FloatVector.fromMemorySegment(SPECIES, weight, ib, ORDER))
                    .intoMemorySegment(out, ob + ib, ORDER);
        }
        for (int i = bound; i < n; i++) {
            long ib = (long) i * Float.BYTES;
            out.set(FLOAT, ob + ib, weight.get(FLOAT, ib) * (x.get(FLOAT, xb + ib) * r));
        }
    }

    /**
     * One row's input gradient {@code dx = r g - x r³ mean(g x)} with {@code g = dy · weight};
     * adds the row's {@code dy · x · r} to {@code dWeightSums}. {@code offset} is the row's
     * first element in {@code x}, {@code dy} and {@code dx}.
     */
    static void backwardRow(MemorySegment x, MemorySegment weight, MemorySegment dy, float epsilon,
                            MemorySegment dx, float[] dWeightSums, long offset, int n) {
        long rb = offset * Float.BYTES;
        // One pass for both sums: the squares as scale() adds them (the same r as the forward) and g·x.
        int bound = SPECIES.loopBound(n);
        FloatVector squareSums = FloatVector.zero(SPECIES);
        FloatVector dots = FloatVector.zero(SPECIES);
        for (int i = 0; i < bound; i += LANES) {
            long ib = (long) i * Float.BYTES;
            FloatVector xv = FloatVector.fromMemorySegment(SPECIES, x, rb + ib, ORDER);
            FloatVector g = FloatVector.fromMemorySegment(SPECIES, dy, rb + ib, ORDER)
                    .mul(FloatVector.fromMemorySegment(SPECIES, weight, ib, ORDER));
            squareSums = xv.fma(xv, squareSums);
            dots = g.fma(xv, dots);
        }
        float squares = VectorMath.sum(squareSums);
        float dot = VectorMath.sum(dots);
        for (int i = bound; i < n; i++) {
            long ib = (long) i * Float.BYTES;
            float xk = x.get(FLOAT, rb + ib);
            squares += xk * xk;
            dot += dy.get(FLOAT, rb + ib) * weight.get(FLOAT, ib) * xk;
        }
        float r = scale(squares, epsilon, n);
        float coefficient = (float) ((double) dot * r * r * r / n);
        for (int i = 0; i < bound; i += LANES) {
            long ib = (long) i * Float.BYTES;
            FloatVector xv = FloatVector.fromMemorySegment(SPECIES, x, rb + ib, ORDER);
            FloatVector dyv = FloatVector.fromMemorySegment(SPECIES, dy, rb + ib, ORDER);
            dyv.mul(FloatVector.fromMemorySegment(SPECIES, weight, ib, ORDER)).mul(r)
                    .sub(xv.mul(coefficient)).intoMemorySegment(dx, rb + ib, ORDER);
            dyv.mul(xv).mul(r).add(FloatVector.fromArray(SPECIES, dWeightSums, i)).intoArray(dWeightSums, i);
        }
        for (int i = bound; i < n; i++) {
            long ib = (long) i * Float.BYTES;
            float xk = x.get(FLOAT, rb + ib);
            float dyk = dy.get(FLOAT, rb + ib);
            dx.set(FLOAT, rb + ib, dyk * weight.get(FLOAT, ib) * r - xk * coefficient);
            dWeightSums[i] += dyk * xk * r;
        }
    }

    /** {@code 1 / sqrt(mean(x²) + epsilon)} of the {@code n} floats at byte offset {@code xb}, rounded to float. */
    private static float scale(MemorySegment x, long xb, float epsilon, int n) {
        int bound = SPECIES.loopBound(n);
        FloatVector sum = FloatVector.zero(SPECIES);
        for (int i = 0; i < bound; i += LANES) {
            FloatVector v = FloatVector.fromMemorySegment(SPECIES, x, xb + (long) i * Float.BYTES, ORDER);
            sum = v.fma(v, sum);
        }
        float squares = VectorMath.sum(sum);
        for (int i = bound; i < n; i++) {
            float v = x.get(FLOAT, xb + (long) i * Float.BYTES);
            squares += v * v;
        }
        return scale(squares, epsilon, n);
    }

    /** {@code 1 / sqrt(squares / n + epsilon)}, rounded to float. */
    private static float scale(float squares, float epsilon, int n) {
        return (float) (1.0 / Math.sqrt(squares / n + epsilon));
    }
}
