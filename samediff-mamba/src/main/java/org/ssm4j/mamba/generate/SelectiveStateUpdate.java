package org.ssm4j.mamba.generate;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * One position of the selective scan, for token steps: the counterpart of the reference
 * implementation's {@code selective_state_update} beside its {@code selective_scan}. A full
 * scan call per token would pay for the kernel's length-parallel planning and its double
 * precision state copies; a token needs only, per channel {@code c}:
 * <pre>
 *   dt   = softplus(delta[c] + deltaBias[c])
 *   h[n] = exp(dt · A[c, n]) · h[n] + dt · B[n] · x[c]
 *   y[c] = (Σ_n C[n] · h[n] + D[c] · x[c]) · silu(z[c])
 * </pre>
 * Element-wise terms are computed a vector of channels at a time, the state a vector of
 * {@code n} at a time (N = 16 is one AVX-512 vector). Buffers are little-endian float32
 * {@link MemorySegment}s, offsets in floats; {@code delta} is overwritten with
 * {@code dt · x} and {@code z} with {@code silu(z)}.
 */
final class SelectiveStateUpdate {

    private static final VectorSpecies<Float> SPECIES = MatVec.SPECIES;
    private static final int LANES = SPECIES.length();
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ORDER);
    /** PyTorch's softplus returns its input above this. */
    private static final float SOFTPLUS_THRESHOLD = 20f;

    private SelectiveStateUpdate() {
    }

    /**
     * Updates channels {@code [c0, c1)} of one sequence. {@code x}, {@code delta}, {@code z}
     * and {@code y} are (channels) rows at {@code row}; {@code bc} holds the sequence's B then
     * C (state floats each) at {@code bcOffset}; {@code a} is A (channels, state), {@code d}
     * and {@code deltaBias} are (channels); {@code hIn} and {@code hOut} are the state
     * (channels, state) before and after, at their offsets (they may be the same).
     */
    static void apply(int state, MemorySegment x, MemorySegment delta, MemorySegment z, MemorySegment y, long row,
                      MemorySegment bc, long bcOffset, MemorySegment a, MemorySegment d, MemorySegment deltaBias,
                      MemorySegment hIn, long hInOffset, MemorySegment hOut, long hOutOffset, int c0, int c1) {
        // Channel-wise: delta <- dt · x (dt kept in y for the state loop), z <- silu(z).
        int c = c0;
        for (; c + LANES <= c1; c += LANES) {
            long at = (row + c) * Float.BYTES;
            FloatVector raw = FloatVector.fromMemorySegment(SPECIES, delta, at, ORDER)
                    .add(FloatVector.fromMemorySegment(SPECIES, deltaBias, (long) c * Float.BYTES, ORDER));
            FloatVector dt = raw.lanewise(VectorOperators.EXP).lanewise(VectorOperators.LOG1P)
                    .blend(raw, raw.compare(VectorOperators.GT, SOFTPLUS_THRESHOLD));
            dt.intoMemorySegment(y, at, ORDER);
            dt.mul(FloatVector.fromMemorySegment(SPECIES, x, at, ORDER)).intoMemorySegment(delta, at, ORDER);
            FloatVector zv = FloatVector.fromMemorySegment(SPECIES, z, at, ORDER);
            zv.div(zv.neg().lanewise(VectorOperators.EXP).add(1f)).intoMemorySegment(z, at, ORDER);
        }
        for (; c < c1; c++) {
            long at = (row + c) * Float.BYTES;
            float raw = delta.get(FLOAT, at) + deltaBias.getAtIndex(FLOAT, c);
            float dt = raw > SOFTPLUS_THRESHOLD ? raw : (float) Math.log1p(Math.exp(raw));
            y.set(FLOAT, at, dt);
            delta.set(FLOAT, at, dt * x.get(FLOAT, at));
            float zc = z.get(FLOAT, at);
            z.set(FLOAT, at, (float) (zc / (1.0 + Math.exp(-zc))));
        }
        // Per channel, the state a vector of n at a time.
        int vectorState = SPECIES.loopBound(state);
        long bBase = bcOffset * Float.BYTES;
        long cBase = (bcOffset + state) * Float.BYTES;
        for (c = c0; c < c1; c++) {
            long at = (row + c) * Float.BYTES;
            float dt = y.get(FLOAT, at);
            float dtx = delta.get(FLOAT, at);
            long in = (hInOffset + (long) c * state) * Float.BYTES;
            long out = (hOutOffset + (long) c * state) * Float.BYTES;
            long aRow = (long) c * state * Float.BYTES;
            FloatVector sum = FloatVector.zero(SPECIES);
            for (int n = 0; n < vectorState; n += LANES) {
                long nb = (long) n * Float.BYTES;
                FloatVector decay = FloatVector.fromMemorySegment(SPECIES, a, aRow + nb, ORDER).mul(dt)
                        .lanewise(VectorOperators.EXP);
                FloatVector h = FloatVector.fromMemorySegment(SPECIES, hIn, in + nb, ORDER).mul(decay)
                        .add(FloatVector.fromMemorySegment(SPECIES, bc, bBase + nb, ORDER).mul(dtx));
                h.intoMemorySegment(hOut, out + nb, ORDER);
                sum = FloatVector.fromMemorySegment(SPECIES, bc, cBase + nb, ORDER).fma(h, sum);
            }
            float yc = sum.reduceLanes(VectorOperators.ADD);
            for (int n = vectorState; n < state; n++) {
                long nb = (long) n * Float.BYTES;
                float h = (float) Math.exp(a.get(FLOAT, aRow + nb) * dt) * hIn.get(FLOAT, in + nb)
                        + bc.get(FLOAT, bBase + nb) * dtx;
                hOut.set(FLOAT, out + nb, h);
                yc += bc.get(FLOAT, cBase + nb) * h;
            }
            y.set(FLOAT, at, (yc + d.getAtIndex(FLOAT, c) * x.get(FLOAT, at)) * z.get(FLOAT, at));
        }
    }
}
