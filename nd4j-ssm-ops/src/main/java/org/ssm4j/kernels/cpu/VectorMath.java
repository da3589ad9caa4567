package org.ssm4j.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * {@code exp} and the activations built on it for float vectors, computed only with
 * operations whose results IEEE 754 defines exactly (add, subtract, multiply, divide, fused
 * multiply-add, min/max, comparisons, blends, integer operations on the reinterpreted lanes).
 * Every execution tier computes them alike, so a kernel gives the same bits whether the JIT
 * has compiled it or not.
 *
 * <p>The Vector API's own {@code lanewise(EXP)} and {@code lanewise(LOG1P)} do not: compiled
 * by C2 they call Intel's SVML, interpreted (and in C1 code, and after a deoptimisation) they
 * call {@code Math.exp} lane by lane, and the two round differently, so the same scan on the
 * same inputs came out a few ulps apart from run to run.
 *
 * <p>Accuracy against the exact values (the tests compare with {@code StrictMath} in double
 * on every float of the ranges, with a stride, and at the edges): {@link #exp} within 1 ulp,
 * {@link #softplus} and {@link #sigmoid} within 2 ulps.
 */
final class VectorMath {

    /** 1.5 · 2^23: adding it rounds a float of magnitude below 2^22 to an integer, held in the low mantissa bits. */
    private static final float ROUNDING_MAGIC = 0x1.8p23f;
    private static final float LOG2_E = 0x1.715476p0f;
    /** ln 2 = LN2_HI + LN2_LO, LN2_HI the float nearest ln 2 (a Cody–Waite pair). */
    private static final float LN2_HI = 0x1.62e43p-1f;
    private static final float LN2_LO = -0x1.05c61p-29f;
    /**
     * Below this {@link #exp} returns 0. exp(-86.5) ≈ 2.7e-38; down to there every result is a
     * normal float. The inputs in (-103.97, -86.5), whose exact exp is a float between
     * 2^-150 and 2.7e-38, are flushed to 0 too: an absolute error below 2.7e-38.
     */
    static final float EXP_UNDERFLOW = -86.5f;
    /**
     * Inputs above this are taken as this: it is above the largest float whose exp is finite
     * (0x1.62e42ep6 ≈ 88.72283), so their exp overflows to +∞ in the final multiplication,
     * and low enough that 2^(n-1) stays finite.
     */
    private static final float EXP_CLAMP = 89f;
    /**
     * 2 e^r ≈ Σ EXP_C[k] r^k on |r| ≤ ln 2 / 2 (degree 6, relative error 2e-9): a minimax fit
     * with the constant term fixed at 1, every coefficient doubled (exact) because the result
     * is scaled by 2^(n-1), not 2^n.
     */
    private static final float EXP_C6 = 2 * 0x1.6ae73p-10f;
    private static final float EXP_C5 = 2 * 0x1.126782p-7f;
    private static final float EXP_C4 = 2 * 0x1.555822p-5f;
    private static final float EXP_C3 = 2 * 0x1.55541ap-3f;
    private static final float EXP_C2 = 2 * 0x1.fffffcp-2f;
    private static final float EXP_C1 = 2f;
    private static final float EXP_C0 = 2f;
    private static final int EXPONENT_SHIFT = 23;
    private static final int EXPONENT_BIAS = 127;

    private static final float SQRT_2 = 1.41421356237309504880f;
    /** Cephes' {@code logf} polynomial: log(1 + x) ≈ x - x²/2 + x³ Q(x) for √½ - 1 ≤ x < √2 - 1. */
    private static final float[] LOG_Q = {
            7.0376836292E-2f, -1.1514610310E-1f, 1.1676998740E-1f, -1.2420140846E-1f, 1.4249322787E-1f,
            -1.6668057665E-1f, 2.0000714765E-1f, -2.4999993993E-1f, 3.3333331174E-1f,
    };

    private VectorMath() {
    }

    /**
     * e^x in every lane: within 1 ulp for x ≥ {@link #EXP_UNDERFLOW}, +∞ above
     * 0x1.62e42ep6 ≈ 88.72283 (and for +∞), 0 below {@link #EXP_UNDERFLOW} (and for -∞), NaN for NaN.
     *
     * <p>x = n ln 2 + r with n = round(x log2 e) and |r| ≤ ln 2 / 2 (Cody–Waite with fused
     * multiply-adds); e^x = 2 e^r · 2^(n-1), 2 e^r from a degree-6 polynomial, 2^(n-1) built
     * from its exponent bits (n - 1 lies in [-126, 127], where 2^(n-1) is a normal float).
     */
    static FloatVector exp(FloatVector x) {
        FloatVector clamped = x.min(EXP_CLAMP);
        // The low mantissa bits of shifted hold n (its bits are 0x4b40_0000 + n); shifted - MAGIC is n exactly.
        FloatVector shifted = clamped.fma(LOG2_E, ROUNDING_MAGIC);
        FloatVector n = shifted.sub(ROUNDING_MAGIC);
        FloatVector r = n.fma(x.broadcast(-LN2_HI), clamped);
        r = n.fma(x.broadcast(-LN2_LO), r);
        FloatVector p = r.fma(EXP_C6, EXP_C5);
        p = p.fma(r, x.broadcast(EXP_C4));
        p = p.fma(r, x.broadcast(EXP_C3));
        p = p.fma(r, x.broadcast(EXP_C2));
        p = p.fma(r, x.broadcast(EXP_C1));
        p = p.fma(r, x.broadcast(EXP_C0));
        // (0x4b40_0000 + n + 126) << 23 leaves just the biased exponent of 2^(n-1) in bits 23..30.
        FloatVector scale = shifted.reinterpretAsInts()
                .add(EXPONENT_BIAS - 1)
                .lanewise(VectorOperators.LSHL, EXPONENT_SHIFT)
                .reinterpretAsFloats();
        return p.mul(scale).blend(0f, x.lt(EXP_UNDERFLOW));
    }

    /** ln(1 + e^x) in every lane, as max(x, 0) + log1p(e^-|x|): within 2 ulps, never overflowing. */
    static FloatVector softplus(FloatVector x) {
        return x.max(0f).add(log1pOfFraction(exp(x.abs().neg())));
    }

    /** 1 / (1 + e^-x) in every lane: within 2 ulps. */
    static FloatVector sigmoid(FloatVector x) {
        return x.broadcast(1f).div(exp(x.neg()).add(1f));
    }

    /**
     * log(1 + y) in every lane for 0 ≤ y ≤ 1 (NaN for NaN), within 1 ulp; other inputs give
     * wrong results.
     *
     * <p>u = 1 + y rounded, and c = (1 - u) + y its rounding error exactly (Fast2Sum);
     * log(1 + y) = log(u) + log(1 + c/u) ≈ log(u) + c/u. log(u) as in Cephes' {@code logf}:
     * u = m 2^e with e ∈ {0, 1} and √½ ≤ m < √2 (u or u/2, exactly), log(u) = e ln 2 + log(m),
     * log(m) from a polynomial in m - 1 (exact).
     */
    static FloatVector log1pOfFraction(FloatVector y) {
        FloatVector one = y.broadcast(1f);
        FloatVector u = y.add(one);
        FloatVector correction = one.sub(u).add(y).div(u);
        VectorMask<Float> halve = u.compare(VectorOperators.GE, SQRT_2);
        FloatVector x = u.blend(u.mul(0.5f), halve).sub(one);
        FloatVector e = y.broadcast(0f).blend(one, halve);
        FloatVector z = x.mul(x);
        FloatVector q = x.broadcast(LOG_Q[0]);
        for (int i = 1; i < LOG_Q.length; i++) {
            q = q.fma(x, x.broadcast(LOG_Q[i]));
        }
        FloatVector tail = q.mul(x).fma(z, correction);
        tail = e.fma(x.broadcast(LN2_LO), tail);
        tail = z.fma(x.broadcast(-0.5f), tail);
        return e.fma(x.broadcast(LN2_HI), x.add(tail));
    }
}
