package org.ssm4j.experiments.train;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/** Clipping of gradients by their global norm, as PyTorch's {@code clip_grad_norm_}. */
public final class GradientClipping {
    private GradientClipping() {
    }

    /**
     * The L2 norm of all gradients taken together: √(Σ‖g‖²), summed in double precision in the
     * collection's order.
     */
    public static double globalNorm(Collection<INDArray> gradients) {
        double sumOfSquares = 0;
        for (INDArray g : gradients) {
            double n = g.norm2Number().doubleValue();
            sumOfSquares += n * n;
        }
        return Math.sqrt(sumOfSquares);
    }

    /**
     * Scales all gradients in place by {@code maxNorm / (norm + 1e-6)} when that is below 1,
     * so that their global norm becomes (just under) {@code maxNorm}.
     *
     * @param maxNorm the largest global norm let through; 0 turns clipping off
     * @return the global norm before clipping
     */
    public static double clipGlobalNorm(Collection<INDArray> gradients, double maxNorm) {
        if (maxNorm < 0) {
            throw new IllegalArgumentException("maxNorm must be >= 0, got " + maxNorm);
        }
        double norm = globalNorm(gradients);
        if (maxNorm > 0) {
            double coefficient = maxNorm / (norm + 1e-6);
            if (coefficient < 1) {
                for (INDArray g : gradients) {
                    g.muli(coefficient);
                }
            }
        }
        return norm;
    }
}
