package org.ssm4j.mamba.graph;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.mamba.MambaWeights;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Gradient checks of a {@link MambaGraph}'s loss against central finite differences, in DOUBLE. */
final class FiniteDifferences {

    private static final double STEP = 1e-5;

    private FiniteDifferences() {
    }

    /** An array shaped like {@code a} of standard normal draws from {@code random}. */
    static INDArray randomLike(INDArray a, SplittableRandom random) {
        double[] v = new double[(int) a.length()];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextGaussian();
        }
        return Nd4j.create(v, a.shape(), 'c');
    }

    /**
     * For each named parameter tensor of {@code weights} (those {@code graph} runs on): the
     * derivative of the loss along a random direction from {@code random}, by central
     * differences, against the analytic gradient's dot product with that direction.
     *
     * @param requireDependence also report a parameter whose finite difference is below 1e-6
     *                          (the loss hardly depends on it, so the check would prove nothing)
     * @return one line per parameter that fails (relative error over 1e-6, plus 1e-9); empty if none
     */
    static List<String> failures(MambaGraph graph, MambaWeights weights, INDArray ids, INDArray labels,
                                 List<String> names, SplittableRandom random, boolean requireDependence) {
        MambaGraph.LossAndGradients analytic = graph.lossAndGradients(ids, labels);
        List<String> failures = new ArrayList<>();
        for (String name : names) {
            INDArray p = weights.get(name);
            INDArray original = p.dup();
            INDArray direction = randomLike(p, random);
            p.assign(original.add(direction.mul(STEP)));
            double plus = loss(graph, ids, labels);
            p.assign(original.sub(direction.mul(STEP)));
            double minus = loss(graph, ids, labels);
            p.assign(original);
            double numeric = (plus - minus) / (2 * STEP);
            double expected = analytic.gradients().get(name).mul(direction).sumNumber().doubleValue();
            if (requireDependence && Math.abs(numeric) < 1e-6) {
                failures.add(name + ": the loss hardly depends on it (finite difference " + numeric + ")");
            } else if (Math.abs(numeric - expected) > 1e-6 * Math.abs(expected) + 1e-9) {
                failures.add(name + ": gradient·v " + expected + ", finite difference " + numeric);
            }
        }
        return failures;
    }

    /** The graph's scalar loss. */
    static double loss(MambaGraph graph, INDArray ids, INDArray labels) {
        return graph.output(ids, labels, MambaGraph.LOSS).get(MambaGraph.LOSS).getDouble(0);
    }
}
