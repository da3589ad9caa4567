package org.ssm4j.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.ops.runtime.JavaCustomOp;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Base of the scan and conv ops: a {@link JavaCustomOp} whose inputs and outputs are named and
 * all have one floating-point type, FLOAT or DOUBLE. The names (which depend on the optional
 * inputs the op was built with) give the number of outputs, and the type check of
 * {@link #calculateOutputDataTypes} names the input that is off.
 */
public abstract class FloatingPointOp extends JavaCustomOp {

    /** For SameDiff's deserialisation: the arguments are added afterwards. */
    protected FloatingPointOp() {
    }

    /** An op in a SameDiff graph, with the given inputs. */
    protected FloatingPointOp(SameDiff sameDiff, SDVariable[] inputs) {
        super(sameDiff, inputs);
    }

    /** An op for eager execution on arrays; {@code outputs} may be null to have them allocated. */
    protected FloatingPointOp(INDArray[] inputs, INDArray[] outputs) {
        super(inputs, outputs);
    }

    /** The names of the inputs this op expects, in order. */
    protected abstract List<String> inputNames();

    /** The names of the outputs this op writes, in order. */
    protected abstract List<String> outputNames();

    @Override
    public final int getNumOutputs() {
        return outputNames().size();
    }

    /**
     * Every output has the inputs' type.
     *
     * @throws IllegalArgumentException if the inputs are not {@link #inputNames()} in number, or
     *                                  not all FLOAT or all DOUBLE
     */
    @Override
    public final List<DataType> calculateOutputDataTypes(List<DataType> inputTypes) {
        DataType type = OpArrays.checkTypes(opName(), inputNames(), inputTypes);
        return Collections.nCopies(getNumOutputs(), type);
    }

    /** The names of the gradients of {@code inputs}: {@code x -> dX}, {@code initialState -> dInitialState}. */
    protected static List<String> gradientNames(List<String> inputs) {
        List<String> names = new ArrayList<>();
        for (String input : inputs) {
            names.add("d" + Character.toUpperCase(input.charAt(0)) + input.substring(1));
        }
        return names;
    }
}
