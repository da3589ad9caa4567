package org.ssm4j.ops.runtime;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.CustomOpDescriptor;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.cpu.nativecpu.ops.NativeOpExecutioner;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

/**
 * ND4J's CPU op executioner with one change: ops that implement {@link JavaKernelOp} are
 * computed by their own {@link JavaKernelOp#compute} method, and their output shapes come
 * from the op; every other op goes to libnd4j as before.
 *
 * <p>{@link SsmRuntime#ensureInstalled()} puts an instance of this class in place of
 * ND4J's executioner.
 */
public final class SsmOpExecutioner extends NativeOpExecutioner {

    SsmOpExecutioner() {
    }

    @Override
    public INDArray[] exec(CustomOp op) {
        if (!(op instanceof JavaKernelOp javaOp)) {
            return super.exec(op);
        }
        if (op.numOutputArguments() == 0) {
            for (LongShapeDescriptor shape : op.calculateOutputShape(null)) {
                op.addOutputArgument(Nd4j.create(shape, false));
            }
        }
        INDArray[] inputs = op.inputArguments().toArray(new INDArray[0]);
        INDArray[] outputs = op.outputArguments().toArray(new INDArray[0]);
        long start = profilingConfigurableHookIn(op, null);
        try {
            javaOp.compute(inputs, outputs);
        } finally {
            profilingConfigurableHookOut(op, null, start);
        }
        return outputs;
    }

    @Override
    public INDArray[] exec(CustomOp op, OpContext context) {
        if (!(op instanceof JavaKernelOp javaOp)) {
            return super.exec(op, context);
        }
        if (context.getOutputArrays().isEmpty()) {
            List<LongShapeDescriptor> shapes = op.calculateOutputShape(context);
            for (int i = 0; i < shapes.size(); i++) {
                context.setOutputArray(i, Nd4j.create(shapes.get(i), false));
            }
        }
        INDArray[] inputs = context.getInputArrays().toArray(new INDArray[0]);
        INDArray[] outputs = context.getOutputArrays().toArray(new INDArray[0]);
        long start = profilingConfigurableHookIn(op, context);
        try {
            javaOp.compute(inputs, outputs);
        } finally {
            profilingConfigurableHookOut(op, context, start);
        }
        return outputs;
    }

    /**
     * libnd4j's ops, after making sure ssm4j's ops are registered: SameDiff's op lookup
     * ({@code DifferentialFunctionClassHolder}) calls this before it resolves any op by name,
     * so a graph loaded by a program that never touched ssm4j finds its ops.
     */
    @Override
    public Map<String, CustomOpDescriptor> getCustomOperations() {
        SsmRuntime.ensureInstalled();
        return super.getCustomOperations();
    }

    @Override
    public List<LongShapeDescriptor> calculateOutputShape(CustomOp op) {
        return calculateOutputShape(op, null);
    }

    @Override
    public List<LongShapeDescriptor> calculateOutputShape(CustomOp op, OpContext context) {
        if (op instanceof JavaKernelOp) {
            return op.calculateOutputShape(context);
        }
        return super.calculateOutputShape(op, context);
    }
}
