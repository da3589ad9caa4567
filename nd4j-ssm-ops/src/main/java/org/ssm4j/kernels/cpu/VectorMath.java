package org.ssm4j.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code exp} and the activations built on it for float vectors of {@link #SPECIES}, computed
 * only with operations whose results IEEE 754 defines exactly (add, subtract, multiply,
 * divide, fused multiply-add, min/max, comparisons, blends, integer operations on the
 * reinterpreted lanes). Every execution tier computes them alike, so a kernel gives the same
 * bits whether the JIT has compiled it or not.
 *
 * <p>The Vector API's own {@code lanewise(EXP)} and {@code lanewise(LOG1P)} do not: compiled
 * by C2 they call Intel's SVML, interpreted (and in C1 code, and after a deoptimisation) they
 * call {@code Math.exp} lane by lane, and the two round differently, so the same scan on the
 * same inputs came out a few ulps apart from run to run.
 *
 * <p>Accuracy against the exact values (the tests compare with {@code StrictMath} in double
 * on every float of the ranges, with a stride, and at the edges): {@link #exp} within 1.05
 * ulps, {@link #softplus} within 2 ulps, {@link #sigmoid} within 2.5 ulps.
 *
 * <p>C2 stops inlining into a method once it has parsed about 18,000 nodes, and a Vector API
 * operation costs about 400 of them: an {@code exp} is about 6,600. A call that passes or
 * returns vectors and that C2 does not inline allocates a box per call, so the kernels call
 * these functions from passes of their own (the {@code float[]} forms below, or methods that
 * hold little else), between their other loops.
 *
 * <p>{@link #exp}, {@link #softplus}, {@link #sigmoid} and {@link #sum} are public for Vector API code
 * outside the kernels that must be as reproducible (samediff-mamba's recurrent generation
 * step and sampler). Each works lane by lane, so a masked tail gives the same values as a
 * full vector would.
 */
public final class VectorMath {

    /** The species of every vector these functions take and return: the preferred one, which the kernels use. */
    public static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    /** exp(x) is 0 for x up to this (the largest float where x log2 e rounds to -126 or below). */
    static final float EXP_ZERO_UP_TO = -0x1.5bf5bcp6f;
    /**
     * {@link #exp} clamps its input to [EXP_LOW, EXP_HIGH]: wide enough that the ends give 0
     * and +∞, narrow enough that n + 126 fits in 8 bits.
     */
    private static final FloatVector EXP_LOW = constant(-87.5f);
    private static final FloatVector EXP_HIGH = constant(89f);
    /**
     * 1.5 · 2^23 + 126: adding it rounds x log2 e to an integer n and leaves n + 126, the
     * biased exponent of 2^(n-1), in the low mantissa bits.
     */
    private static final FloatVector ROUNDING_MAGIC = constant(0x1.8p23f + 126);
    private static final FloatVector LOG2_E = constant(0x1.715476p0f);
    /** -ln 2 = NEG_LN2_HI + NEG_LN2_LO, NEG_LN2_HI the float nearest -ln 2 (a Cody–Waite pair). */
    private static final FloatVector NEG_LN2_HI = constant(-0x1.62e43p-1f);
    private static final FloatVector NEG_LN2_LO = constant(0x1.05c61p-29f);
    /**
     * 2 e^r ≈ Σ c_k r^k on |r| ≤ ln 2 / 2, degree 6, relative error 2e-9: a minimax fit with
     * the constant term fixed at 1, every coefficient doubled (exactly) because the result is
     * scaled by 2^(n-1), not 2^n.
     */
    private static final FloatVector EXP_C6 = constant(2 * 0x1.6ae73p-10f);
    private static final FloatVector EXP_C5 = constant(2 * 0x1.126782p-7f);
    private static final FloatVector EXP_C4 = constant(2 * 0x1.555822p-5f);
    private static final FloatVector EXP_C3 = constant(2 * 0x1.55541ap-3f);
    private static final FloatVector EXP_C2 = constant(2 * 0x1.fffffcp-2f);
    private static final FloatVector TWO = constant(2f);
    private static final int EXPONENT_SHIFT = 23;

    private static final FloatVector ZERO = constant(0f);
    private static final FloatVector HALF = constant(0.5f);
    private static final FloatVector ONE = constant(1f);
    private static final FloatVector SQRT_2 = constant(1.41421356237309504880f);
    private static final FloatVector LN2_HI = constant(0x1.62e43p-1f);
    private static final FloatVector LN2_LO = constant(-0x1.05c61p-29f);
    private static final FloatVector NEG_HALF = constant(-0.5f);
    /**
     * Cephes' {@code logf} polynomial: log(1 + x) ≈ x - x²/2 + x³ Q(x) for √½ - 1 ≤ x < √2 - 1,
     * highest coefficient first. Evaluated in a loop, which C2 parses once: 2,500 nodes fewer
     * than written out, and as fast here, where it is computed once per step and channel.
     */
    private static final float[] LOG_Q = {
            7.0376836292E-2f, -1.1514610310E-1f, 1.1676998740E-1f, -1.2420140846E-1f, 1.4249322787E-1f,
            -1.6668057665E-1f, 2.0000714765E-1f, -2.4999993993E-1f, 3.3333331174E-1f,
    };

    /** Level k of {@link #sum}: lane i takes lane {@code i ^ (lanes >> (k + 1))}, the halves, quarters, ... swapped. */
    private static final VectorShuffle<Float>[] PARTNERS = partners();

    private VectorMath() {
    }

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] partners() {
        List<VectorShuffle<Float>> partners = new ArrayList<>();
        for (int d = SPECIES.length() / 2; d >= 1; d >>= 1) {
            int distance = d;
            partners.add(VectorShuffle.fromOp(SPECIES, i -> i ^ distance));
        }
        return partners.toArray(VectorShuffle[]::new);
    }

    private static FloatVector constant(float value) {
        return FloatVector.broadcast(SPECIES, value);
    }

    /**
     * e^x in every lane: within 1.05 ulps for x > {@link #EXP_ZERO_UP_TO} ≈ -86.99, 0 up to it
     * (the exact values there are below 1.7e-38, and from -87.34 on subnormal), +∞ above
     * 0x1.62e42ep6 ≈ 88.72283, NaN for NaN.
     *
     * <p>x = n ln 2 + r with n = round(x log2 e) and |r| ≤ ln 2 / 2 (Cody–Waite with fused
     * multiply-adds); e^x = 2 e^r · 2^(n-1), 2 e^r from a degree-6 polynomial, 2^(n-1) built
     * from its exponent bits. On the clamped range n - 1 lies in [-127, 127]; at -127 the
     * exponent bits are 0 and so is the result.
     */
    public static FloatVector exp(FloatVector x) {
        FloatVector clamped = x.max(EXP_LOW).min(EXP_HIGH);
        FloatVector shifted = clamped.fma(LOG2_E, ROUNDING_MAGIC);
        FloatVector n = shifted.sub(ROUNDING_MAGIC);
        FloatVector r = n.fma(NEG_LN2_HI, clamped);
        r = n.fma(NEG_LN2_LO, r);
        FloatVector p = r.fma(EXP_C6, EXP_C5);
        p = p.fma(r, EXP_C4);
        p = p.fma(r, EXP_C3);
        p = p.fma(r, EXP_C2);
        p = p.fma(r, TWO);
        p = p.fma(r, TWO);
        // The low 9 bits of shifted's bits are n + 126, in [0, 254]; shifted into bits 23..31 they make 2^(n-1) (or 0).
        FloatVector scale = shifted.reinterpretAsInts()
                .lanewise(VectorOperators.LSHL, EXPONENT_SHIFT)
                .reinterpretAsFloats();
        return p.mul(scale);
    }

    /**
     * The sum of the lanes, added in a fixed pairwise tree (the two halves lane by lane, then
     * their halves, ...). {@code reduceLanes(ADD)} leaves the order open, and its compiled and
     * interpreted forms add in different orders: their float sums can differ in the last bits.
     */
    public static float sum(FloatVector x) {
        FloatVector v = x;
        for (VectorShuffle<Float> partner : PARTNERS) {
            v = v.add(v.rearrange(partner));
        }
        return v.lane(0);
    }

    /** ln(1 + e^x) in every lane, as max(x, 0) + log1p(e^-|x|): within 2 ulps, never overflowing. */
    public static FloatVector softplus(FloatVector x) {
        return x.max(ZERO).add(log1pOfFraction(exp(x.abs().neg())));
    }

    /** 1 / (1 + e^-x) in every lane: within 2.5 ulps (0 below -88.72, where 1 + e^-x overflows). */
    public static FloatVector sigmoid(FloatVector x) {
        return ONE.div(exp(x.neg()).add(ONE));
    }

    /** {@link #softplus} of {@code values[0, length)} in place; {@code length} a multiple of the vector length. */
    static void softplusInPlace(float[] values, int length) {
        for (int i = 0; i < length; i += SPECIES.length()) {
            softplus(FloatVector.fromArray(SPECIES, values, i)).intoArray(values, i);
        }
    }

    /** {@link #sigmoid} of {@code values[0, length)} in place; {@code length} a multiple of the vector length. */
    static void sigmoidInPlace(float[] values, int length) {
        for (int i = 0; i < length; i += SPECIES.length()) {
            sigmoid(FloatVector.fromArray(SPECIES, values, i)).intoArray(values, i);
        }
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
        FloatVector u = y.add(ONE);
        FloatVector correction = ONE.sub(u).add(y).div(u);
        VectorMask<Float> halve = u.compare(VectorOperators.GE, SQRT_2);
        FloatVector x = u.blend(u.mul(HALF), halve).sub(ONE);
        FloatVector e = ZERO.blend(ONE, halve);
        FloatVector z = x.mul(x);
        FloatVector q = FloatVector.broadcast(SPECIES, LOG_Q[0]);
        for (int k = 1; k < LOG_Q.length; k++) {
            q = q.fma(x, FloatVector.broadcast(SPECIES, LOG_Q[k]));
        }
        FloatVector tail = q.mul(x).fma(z, correction);
        tail = e.fma(LN2_LO, tail);
        tail = z.fma(NEG_HALF, tail);
        return e.fma(LN2_HI, x.add(tail));
    }
}
