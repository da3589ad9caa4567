package org.ssm4j.experiments.train;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter), step for step as PyTorch's
 * {@code torch.optim.AdamW}: for each parameter p with gradient g at step t (from 1)
 * <pre>
 *   p ← p · (1 − lr·λ)                       (skipped for no-decay parameters)
 *   m ← β1·m + (1 − β1)·g
 *   v ← β2·v + (1 − β2)·g²
 *   p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
 * </pre>
 * All arithmetic is ND4J ops in place on the parameter and moment arrays (plus one scratch
 * array per parameter, allocated once).
 */
public final class AdamW {

    /**
     * @param beta1       β1
     * @param beta2       β2
     * @param eps         ε
     * @param weightDecay λ
     */
    public record Settings(double beta1, double beta2, double eps, double weightDecay) {
    }

    private final Settings settings;
    private final Set<String> noDecay;
    private final Map<String, INDArray> firstMoments = new LinkedHashMap<>();
    private final Map<String, INDArray> secondMoments = new LinkedHashMap<>();
    private final Map<String, INDArray> scratch = new LinkedHashMap<>();
    private long steps;

    /**
     * An optimiser with zero moments for {@code parameters}.
     *
     * @param noDecay names of parameters without weight decay; each must be a parameter
     */
    public AdamW(Map<String, INDArray> parameters, Set<String> noDecay, Settings settings) {
        for (String name : noDecay) {
            if (!parameters.containsKey(name)) {
                throw new IllegalArgumentException("no-decay parameter '" + name + "' is not a parameter; parameters: "
                        + parameters.keySet());
            }
        }
        this.settings = settings;
        this.noDecay = Set.copyOf(noDecay);
        parameters.forEach((name, p) -> {
            firstMoments.put(name, p.ulike().assign(0));
            secondMoments.put(name, p.ulike().assign(0));
            scratch.put(name, p.ulike());
        });
    }

    /** Optimiser steps taken so far (t of the last step). */
    public long steps() {
        return steps;
    }

    /** The first moments m by parameter name (live arrays). */
    public Map<String, INDArray> firstMoments() {
        return firstMoments;
    }

    /** The second moments v by parameter name (live arrays). */
    public Map<String, INDArray> secondMoments() {
        return secondMoments;
    }

    /**
     * Sets the state saved by a checkpoint: steps taken and the moments (copied into this
     * optimiser's arrays).
     */
    public void restore(long stepsTaken, Map<String, INDArray> m, Map<String, INDArray> v) {
        if (stepsTaken < 0) {
            throw new IllegalArgumentException("steps taken must be >= 0, got " + stepsTaken);
        }
        copyInto(firstMoments, m, "first moment");
        copyInto(secondMoments, v, "second moment");
        steps = stepsTaken;
    }

    private static void copyInto(Map<String, INDArray> own, Map<String, INDArray> saved, String what) {
        if (!own.keySet().equals(saved.keySet())) {
            throw new IllegalArgumentException(what + "s are for parameters " + saved.keySet() + ", expected " + own.keySet());
        }
        own.forEach((name, array) -> {
            INDArray s = saved.get(name);
            if (!Arrays.equals(s.shape(), array.shape())) {
                throw new IllegalArgumentException(what + " of '" + name + "' has shape " + Arrays.toString(s.shape())
                        + ", expected " + Arrays.toString(array.shape()));
            }
            array.assign(s);
        });
    }

    /**
     * Applies one update to {@code parameters} in place.
     *
     * @param gradients gradient of each parameter (same names and shapes); left unchanged
     * @param lr        learning rate of this step
     */
    public void step(Map<String, INDArray> parameters, Map<String, INDArray> gradients, double lr) {
        steps++;
        double b1 = settings.beta1();
        double b2 = settings.beta2();
        double stepSize = lr / (1 - Math.pow(b1, steps));
        double secondCorrectionSqrt = Math.sqrt(1 - Math.pow(b2, steps));
        for (Map.Entry<String, INDArray> e : parameters.entrySet()) {
            String name = e.getKey();
            INDArray p = e.getValue();
            INDArray g = gradients.get(name);
            if (g == null) {
                throw new IllegalArgumentException("no gradient for parameter '" + name + "'");
            }
            INDArray m = firstMoments.get(name);
            INDArray v = secondMoments.get(name);
            INDArray tmp = scratch.get(name);
            if (settings.weightDecay() != 0 && !noDecay.contains(name)) {
                p.muli(1 - lr * settings.weightDecay());
            }
            m.muli(b1).addi(tmp.assign(g).muli(1 - b1));
            v.muli(b2).addi(tmp.assign(g).muli(g).muli(1 - b2));
            Transforms.sqrt(tmp.assign(v), false).divi(secondCorrectionSqrt).addi(settings.eps());
            p.subi(tmp.rdivi(m).muli(stepSize));
        }
    }
}
