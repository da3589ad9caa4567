package org.ssm4j.ops.runtime;

import org.jspecify.annotations.Nullable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * An ND4J op executioner that hands {@link JavaKernelOp}s to their own Java code and every
 * other op to its backend: {@link SsmOpExecutioner} on the CPU, one per further supported
 * backend ({@link Nd4jBackendSupport}).
 */
public interface JavaOpExecutioner extends OpExecutioner {

    /**
     * The arrays of one call of a Java op: its inputs, and its outputs, allocated (contents
     * undefined) where the caller gave none.
     */
    record Call(INDArray[] inputs, INDArray[] outputs) {

        /** The arrays of {@code op}, from {@code context} when it is not null. */
        public static Call of(CustomOp op, @Nullable OpContext context) {
            if (context == null) {
                if (op.numOutputArguments() == 0) {
                    for (LongShapeDescriptor shape : op.calculateOutputShape(null)) {
                        op.addOutputArgument(Nd4j.create(shape, false));
                    }
                }
                return new Call(op.inputArguments().toArray(new INDArray[0]),
                        op.outputArguments().toArray(new INDArray[0]));
            }
            if (context.getOutputArrays().isEmpty()) {
                List<LongShapeDescriptor> shapes = op.calculateOutputShape(context);
                for (int i = 0; i < shapes.size(); i++) {
                    context.setOutputArray(i, Nd4j.create(shapes.get(i), false));
                }
            }
            return new Call(context.getInputArrays().toArray(new INDArray[0]),
                    context.getOutputArrays().toArray(new INDArray[0]));
        }
    }
}
