package org.ssm4j.experiments.models;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Base of the models and backbones that create their own parameters: the live arrays by name,
 * in the order they were added, and the names exempt from weight decay. It answers
 * {@link TrainableModel#parameters()} and {@link TrainableModel#noDecayParameterNames()} (and
 * the same methods of {@link SequenceBackbone}).
 */
public abstract class ParameterOwner {

    private final Map<String, INDArray> parameters = new LinkedHashMap<>();
    private final Set<String> noDecay = new LinkedHashSet<>();

    /** With no parameters yet: the subclass's constructor adds them. */
    protected ParameterOwner() {
    }

    /**
     * Adds a parameter.
     *
     * @param weightDecay false for the parameters weight decay must leave alone (norm
     *                    weights, biases)
     * @throws IllegalArgumentException if a parameter of that name was added already
     */
    protected final void addParameter(String name, INDArray array, boolean weightDecay) {
        if (parameters.putIfAbsent(name, array) != null) {
            throw new IllegalArgumentException("parameter '" + name + "' is added twice; names so far: "
                    + parameters.keySet());
        }
        if (!weightDecay) {
            noDecay.add(name);
        }
    }

    /**
     * Adds every parameter of a part (a backbone), with its weight-decay exemptions.
     *
     * @throws IllegalArgumentException if one of its names was added already
     */
    protected final void addParameters(Map<String, INDArray> arrays, Set<String> noDecayNames) {
        arrays.forEach((name, array) -> addParameter(name, array, !noDecayNames.contains(name)));
    }

    /** The parameters by name, in the order added (a read-only view of the live arrays). */
    public final Map<String, INDArray> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /** Names of the parameters that take no weight decay (a read-only view). */
    public final Set<String> noDecayParameterNames() {
        return Collections.unmodifiableSet(noDecay);
    }
}
