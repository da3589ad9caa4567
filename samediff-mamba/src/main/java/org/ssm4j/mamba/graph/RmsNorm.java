package org.ssm4j.mamba.graph;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * RMSNorm as SameDiff operations: {@code x / sqrt(mean(x², last axis) + eps) * weight}, on
 * {@code (rows, width)} input, as Hugging Face's {@code MambaRMSNorm}. The Mamba blocks use it,
 * and so do other models built on SameDiff graphs (the experiments' Transformer).
 */
public final class RmsNorm {

    private RmsNorm() {
    }

    /**
     * Adds the normalisation of {@code x} to {@code sd}.
     *
     * @param x       {@code (rows, width)}
     * @param weight  {@code (width)}
     * @param epsilon added to the mean square
     * @return the normalised rows, {@code (rows, width)}
     */
    public static SDVariable apply(SameDiff sd, SDVariable x, SDVariable weight, double epsilon) {
        SDVariable meanSquare = sd.mean(sd.math.square(x), true, 1);
        return x.mul(sd.math.rsqrt(meanSquare.add(epsilon))).mul(weight);
    }
}
