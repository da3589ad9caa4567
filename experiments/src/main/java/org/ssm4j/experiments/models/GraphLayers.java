package org.ssm4j.experiments.models;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Building blocks for models written as SameDiff graphs on rows of a {@code (tokens, width)}
 * matrix (SameDiff 1.0.0-M2.1 has no broadcasting rank-3 × rank-2 matmul, so sequences are
 * flattened to rows for every projection).
 */
public final class GraphLayers {
    private GraphLayers() {
    }

    /**
     * Log-softmax over the last dimension of {@code logits (rows, vocab)}, written out
     * (max-shifted log-sum-exp) because SameDiff M2.1 cannot differentiate graphs holding its
     * {@code log_softmax} op (cloning the op for the gradient graph fails on its properties).
     */
    public static SDVariable logSoftmax(SameDiff sd, SDVariable logits) {
        SDVariable shifted = logits.sub(logits.max(true, 1));
        return shifted.sub(sd.math.log(sd.math.exp(shifted).sum(true, 1)));
    }
}
