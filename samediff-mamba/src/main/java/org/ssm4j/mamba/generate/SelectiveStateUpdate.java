package org.ssm4j.mamba.generate;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import org.ssm4j.kernels.cpu.VectorMath;

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
 * {@code n} at a time (N = 16 is one AVX-512 vector), the last partial vector of each under a
 * mask. {@code exp}, softplus and sigmoid are nd4j-ssm-ops' {@link VectorMath}, built from
 * IEEE-exact operations only, so a step gives the same bits in every JIT tier and whatever
 * channel ranges the threads get. Buffers are little-endian float32 {@link MemorySegment}s,
 * offsets in floats; {@code delta} is overwritten with {@code dt · x} and {@code z} with
 * {@code silu(z)}.
 */
final class SelectiveStateUpdate {

    private static final VectorSpecies<Float> SPECIES = VectorMath.SPECIES;
    private static final int LANES = SPECIES.length();
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ORDER);

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
        timeSteps(x, delta, y, row, deltaBias, c0, c1);
        gates(z, row, c0, c1);
        long bBase = bcOffset * Float.BYTES;
        long cBase = (bcOffset + state) * Float.BYTES;
        for (int c = c0; c < c1; c++) {
            long at = (row + c) * Float.BYTES;
            float yc = updateState(state, y.get(FLOAT, at), delta.get(FLOAT, at), bc, bBase,
                    cBase, a, (long) c * state * Float.BYTES, hIn, (hInOffset + (long) c * state) * Float.BYTES, hOut,
                    (hOutOffset + (long) c * state) * Float.BYTES);
            y.set(FLOAT, at, (yc + d.getAtIndex(FLOAT, c) * x.get(FLOAT, at))
                    * z.get(FLOAT, at));
        }
    }

    /** {@code dt = softplus(delta + deltaBias)} into y (for the state loop), {@code dt · x} into delta. */
    private static void timeSteps(MemorySegment x, MemorySegment delta, MemorySegment y, long row,
                                  MemorySegment deltaBias, int c0, int c1) {
        for (int c = c0; c < c1; c += LANES) {
            VectorMask<Float> lanes = SPECIES.indexInRange(c, c1);
            long at = (row + c) * Float.BYTES;
            FloatVector dt = VectorMath.softplus(FloatVector.fromMemorySegment(SPECIES, delta, at, ORDER, lanes)
                    .add(FloatVector.fromMemorySegment(SPECIES, deltaBias, (long) c * Float.BYTES, ORDER, lanes)));
            dt.intoMemorySegment(y, at, ORDER, lanes);
            dt.mul(FloatVector.fromMemorySegment(SPECIES, x, at, ORDER, lanes)).intoMemorySegment(delta, at, ORDER, lanes);
        }
    }

    /** {@code z <- silu(z) = z · sigmoid(z)}. */
    private static void gates(MemorySegment z, long row, int c0, int c1) {
        for (int c = c0; c < c1; c += LANES) {
            VectorMask<Float> lanes = SPECIES.indexInRange(c, c1);
            long at = (row + c) * Float.BYTES;
            FloatVector zv = FloatVector.fromMemorySegment(SPECIES, z, at, ORDER, lanes);
            zv.mul(VectorMath.sigmoid(zv)).intoMemorySegment(z, at, ORDER, lanes);
        }
    }

    /**
     * One channel's state: {@code h = exp(dt · A) · h + B · dtx} over the state (byte offsets),
     * returning {@code Σ_n C[n] h[n]}. Lanes past the state are masked off.
     */
    private static float updateState(int state, float dt, float dtx, MemorySegment bc, long bBase, long cBase,
                                     MemorySegment a, long aRow, MemorySegment hIn, long in, MemorySegment hOut,
                                     long out) {
        FloatVector sum = FloatVector.zero(SPECIES);
        for (int n = 0; n < state; n += LANES) {
            VectorMask<Float> lanes = SPECIES.indexInRange(n, state);
            long nb = (long) n * Float.BYTES;
            FloatVector decay = VectorMath.exp(FloatVector.fromMemorySegment(SPECIES, a, aRow + nb, ORDER, lanes).mul(dt));
            FloatVector h = FloatVector.fromMemorySegment(SPECIES, hIn, in + nb, ORDER, lanes).mul(decay)
                    .add(FloatVector.fromMemorySegment(SPECIES, bc, bBase + nb, ORDER, lanes).mul(dtx));
            h.intoMemorySegment(hOut, out + nb, ORDER, lanes);
            sum = FloatVector.fromMemorySegment(SPECIES, bc, cBase + nb, ORDER, lanes).fma(h, sum);
        }
        return VectorMath.sum(sum);
    }
}
