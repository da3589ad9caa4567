package org.ssm4j.ops.runtime;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A {@link JavaCustomOp} with exactly one output. */
public abstract class SingleOutputOp extends JavaCustomOp {

    /** For SameDiff's deserialisation: the arguments are added afterwards. */
    protected SingleOutputOp() {
    }

    /** An op in a SameDiff graph, with the given inputs. */
    protected SingleOutputOp(SameDiff sameDiff, SDVariable[] inputs) {
        super(sameDiff, inputs);
    }

    /** An op for eager execution on arrays; {@code outputs} may be null to have it allocated. */
    protected SingleOutputOp(INDArray[] inputs, INDArray[] outputs) {
        super(inputs, outputs);
    }

    @Override
    public final int getNumOutputs() {
        return 1;
    }
}
