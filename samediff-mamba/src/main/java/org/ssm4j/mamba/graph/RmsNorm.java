package org.ssm4j.mamba.graph;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/** RMSNorm: {@code x / sqrt(mean(x², last axis) + eps) * weight}, on (rows, width) input. */
final class RmsNorm {

    private RmsNorm() {
    }

    static SDVariable apply(SameDiff sd, SDVariable x, SDVariable weight, double epsilon) {
        SDVariable meanSquare = sd.mean(sd.math.square(x), true, 1);
        return x.mul(sd.math.rsqrt(meanSquare.add(epsilon))).mul(weight);
    }
}
