package org.ssm4j.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link VectorMath} against {@code StrictMath} in double: every float of each function's
 * range with a stride (so every binade is visited), random samples, and the edges.
 */
class VectorMathTest {

    /** The largest float whose exp is finite. */
    private static final float LARGEST_FINITE_EXP = 0x1.62e42ep6f;

    private static double softplus(double x) {
        return Math.max(x, 0) + StrictMath.log1p(StrictMath.exp(-Math.abs(x)));
    }

    private static double sigmoid(double x) {
        return 1 / (1 + StrictMath.exp(-x));
    }

    @Test
    void expIsWithinOneUlpAboveTheUnderflowLimit() {
        float lowest = Math.nextUp(VectorMath.EXP_ZERO_UP_TO);
        float[] x = concat(everyFloat(lowest, -0f, 997), everyFloat(0f, LARGEST_FINITE_EXP, 997),
                uniform(lowest, LARGEST_FINITE_EXP, 500_000));
        assertMaxUlps(VectorMath::exp, StrictMath::exp, x, 1.05);
        assertTrue(apply(VectorMath::exp, new float[]{lowest})[0] >= Float.MIN_NORMAL, "a normal float above the limit");
    }

    @Test
    void expEdges() {
        float[] x = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MIN_VALUE,
                -Float.MIN_VALUE, Float.MIN_NORMAL, VectorMath.EXP_ZERO_UP_TO, -87.34f, -100f, -1e30f, -Float.MAX_VALUE,
                Math.nextUp(LARGEST_FINITE_EXP), 89f, 89.1f, 1e30f, Float.MAX_VALUE, 1f, -1f};
        float[] expected = {Float.NaN, Float.POSITIVE_INFINITY, 0f, 1f, 1f, 1f, 1f, 1f, 0f, 0f, 0f, 0f, 0f,
                Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY,
                Float.POSITIVE_INFINITY, (float) Math.E, (float) (1 / Math.E)};
        assertArrayEquals(expected, apply(VectorMath::exp, x));
    }

    /** Up to the limit exp returns 0; the exact values there are below 1.7e-38 (subnormal from -87.34). */
    @Test
    void expFlushesUpToTheUnderflowLimitToZero() {
        float[] x = everyFloat(-104f, VectorMath.EXP_ZERO_UP_TO, 7);
        float[] y = apply(VectorMath::exp, x);
        for (int i = 0; i < x.length; i++) {
            assertEquals(0f, y[i], "exp(" + x[i] + ")");
        }
        assertTrue(StrictMath.exp(VectorMath.EXP_ZERO_UP_TO) < 1.7e-38);
    }

    @Test
    void log1pOfFractionIsWithinOneUlp() {
        float[] y = concat(everyFloat(0f, 1f, 499), uniform(0f, 1f, 500_000),
                new float[]{0f, Float.MIN_VALUE, Float.MIN_NORMAL, 1e-30f, 0x1p-24f, 0x1p-23f, 0.41421354f, 0.41421357f, 1f});
        assertMaxUlps(VectorMath::log1pOfFraction, StrictMath::log1p, y, 1.0);
        assertTrue(Float.isNaN(apply(VectorMath::log1pOfFraction, new float[]{Float.NaN})[0]));
    }

    /** Above exp's underflow limit; up to it, softplus(x) ≈ e^x is 0 too. */
    @Test
    void softplusIsWithinTwoUlps() {
        float[] x = concat(everyFloat(0f, Float.MAX_VALUE, 1999),
                everyFloat(-0f, Math.nextUp(VectorMath.EXP_ZERO_UP_TO), 1999), uniform(-30f, 30f, 500_000));
        assertMaxUlps(VectorMath::softplus, VectorMathTest::softplus, x, 2.0);
        float[] edges = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE, -Float.MAX_VALUE,
                0f, 20f, VectorMath.EXP_ZERO_UP_TO};
        float[] expected = {Float.NaN, Float.POSITIVE_INFINITY, 0f, Float.MAX_VALUE, 0f, (float) Math.log(2), 20f, 0f};
        assertArrayEquals(expected, apply(VectorMath::softplus, edges));
    }

    /** Down to where 1 + e^-x overflows: below -88.72 sigmoid returns 0, the exact value being below 2.9e-39. */
    @Test
    void sigmoidIsWithinTwoAndAHalfUlps() {
        float[] x = concat(everyFloat(0f, Float.MAX_VALUE, 1999), everyFloat(-0f, -LARGEST_FINITE_EXP, 1999),
                uniform(-30f, 30f, 500_000));
        assertMaxUlps(VectorMath::sigmoid, VectorMathTest::sigmoid, x, 2.5);
        float[] edges = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f,
                Math.nextDown(-LARGEST_FINITE_EXP), -Float.MAX_VALUE, Float.MAX_VALUE};
        float[] expected = {Float.NaN, 1f, 0f, 0.5f, 0f, 0f, 1f};
        assertArrayEquals(expected, apply(VectorMath::sigmoid, edges));
    }

    /** The float[] forms compute what the vector forms do. */
    @Test
    void inPlaceFormsMatchTheVectorForms() {
        float[] x = uniform(-100f, 100f, 64 * VectorMath.SPECIES.length());
        float[] softplus = x.clone();
        VectorMath.softplusInPlace(softplus, softplus.length);
        assertArrayEquals(apply(VectorMath::softplus, x), softplus);
        float[] sigmoid = x.clone();
        VectorMath.sigmoidInPlace(sigmoid, sigmoid.length);
        assertArrayEquals(apply(VectorMath::sigmoid, x), sigmoid);
    }

    /**
     * Asserts that {@code f} is within {@code maxUlps} of {@code exact} on every x, in units of the
     * spacing of floats around the exact value; results below the normal range must be within
     * 2^-126 (the functions may flush them to 0).
     */
    /** The lanes added as a pairwise tree: halves lane by lane, then their halves; NaN and infinities propagate. */
    @Test
    void sumAddsTheHalvesPairwise() {
        Random random = new Random(5);
        int lanes = VectorMath.SPECIES.length();
        for (int trial = 0; trial < 1000; trial++) {
            float[] x = new float[lanes];
            for (int i = 0; i < lanes; i++) {
                x[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(8)));
            }
            float[] tree = x.clone();
            for (int width = lanes / 2; width >= 1; width /= 2) {
                for (int i = 0; i < width; i++) {
                    tree[i] = tree[i] + tree[i + width];
                }
            }
            assertEquals(tree[0], VectorMath.sum(FloatVector.fromArray(VectorMath.SPECIES, x, 0)), Arrays.toString(x));
        }
        float[] special = new float[lanes];
        special[lanes - 1] = Float.NaN;
        assertTrue(Float.isNaN(VectorMath.sum(FloatVector.fromArray(VectorMath.SPECIES, special, 0))));
        special[lanes - 1] = Float.NEGATIVE_INFINITY;
        assertEquals(Float.NEGATIVE_INFINITY, VectorMath.sum(FloatVector.fromArray(VectorMath.SPECIES, special, 0)));
    }

    private static void assertMaxUlps(UnaryOperator<FloatVector> f, DoubleUnaryOperator exact, float[] x, double maxUlps) {
        float[] y = apply(f, x);
        double worst = 0;
        float worstX = Float.NaN;
        for (int i = 0; i < x.length; i++) {
            double e = exact.applyAsDouble(x[i]);
            if (Math.abs(e) < Float.MIN_NORMAL) {
                assertTrue(Math.abs(y[i] - e) < Float.MIN_NORMAL, "at " + x[i] + ": " + y[i] + ", exact " + e);
                continue;
            }
            double ulps = Double.isInfinite(e) ? (y[i] == e ? 0 : Double.POSITIVE_INFINITY) : ulps(y[i], e);
            if (!(ulps <= worst)) {
                worst = ulps;
                worstX = x[i];
            }
        }
        assertTrue(worst <= maxUlps, "error " + worst + " ulps at " + worstX + " (" + Float.floatToIntBits(worstX)
                + "), over " + x.length + " values; limit " + maxUlps);
    }

    /** |actual - exact| in units of the spacing of the floats in exact's binade. */
    private static double ulps(float actual, double exact) {
        return Math.abs(actual - exact) / Math.scalb(1.0, Math.getExponent(exact) - 23);
    }

    /** Every {@code stride}-th float from {@code from} to {@code to} (same sign) and both ends. */
    private static float[] everyFloat(float from, float to, int stride) {
        int a = Float.floatToRawIntBits(from);
        int b = Float.floatToRawIntBits(to);
        int lo = Math.min(a, b);
        int hi = Math.max(a, b);
        float[] values = new float[(hi - lo) / stride + 2];
        for (int i = 0; i < values.length - 1; i++) {
            values[i] = Float.intBitsToFloat(lo + i * stride);
        }
        values[values.length - 1] = Float.intBitsToFloat(hi);
        return values;
    }

    private static float[] uniform(float from, float to, int count) {
        Random random = new Random(count);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = from + random.nextFloat() * (to - from);
        }
        return values;
    }

    private static float[] concat(float[]... parts) {
        float[] all = new float[0];
        for (float[] part : parts) {
            int at = all.length;
            all = Arrays.copyOf(all, at + part.length);
            System.arraycopy(part, 0, all, at, part.length);
        }
        return all;
    }

    private static float[] apply(UnaryOperator<FloatVector> f, float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i += VectorMath.SPECIES.length()) {
            VectorMask<Float> mask = VectorMath.SPECIES.indexInRange(i, x.length);
            f.apply(FloatVector.fromArray(VectorMath.SPECIES, x, i, mask)).intoArray(y, i, mask);
        }
        return y;
    }
}
