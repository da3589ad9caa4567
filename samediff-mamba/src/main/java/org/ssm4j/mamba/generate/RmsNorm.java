package org.ssm4j.mamba.generate;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.ssm4j.kernels.cpu.VectorMath;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** RMSNorm on little-endian float32 {@link MemorySegment}s (offsets in floats). */
final class RmsNorm {

    private static final VectorSpecies<Float> SPECIES = MatVec.SPECIES;
    private static final int LANES = SPECIES.length();
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ORDER);

    private RmsNorm() {
    }

    /** {@code out[i] = weight[i] · x[i] / sqrt(mean(x²) + eps)} over {@code n} floats, as Hugging Face's MambaRMSNorm. */
    static void apply(MemorySegment x, long xOffset, MemorySegment weight, float eps,
                        MemorySegment out, long outOffset, int n) {
        long xb = xOffset * Float.BYTES;
        long ob = outOffset * Float.BYTES;
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
        float scale = (float) (1.0 / Math.sqrt(squares / n + eps));
        for (int i = 0; i < bound; i += LANES) {
            long ib = (long) i * Float.BYTES;
            FloatVector.fromMemorySegment(SPECIES, x, xb + ib, ORDER).mul(scale)
                    .mul(FloatVector.fromMemorySegment(SPECIES, weight, ib, ORDER))
                    .intoMemorySegment(out, ob + ib, ORDER);
        }
        for (int i = bound; i < n; i++) {
            long ib = (long) i * Float.BYTES;
            out.set(FLOAT, ob + ib, x.get(FLOAT, xb + ib) * scale * weight.get(FLOAT, ib));
        }
    }
}
