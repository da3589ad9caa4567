package org.ssm4j.ops.runtime;

import org.jspecify.annotations.Nullable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.CustomOpDescriptor;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.cpu.nativecpu.ops.NativeOpExecutioner;

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
public final class SsmOpExecutioner extends NativeOpExecutioner implements JavaOpExecutioner {

    SsmOpExecutioner() {
    }

    @Override
    public INDArray[] exec(CustomOp op) {
        return op instanceof JavaKernelOp javaOp ? run(javaOp, null) : super.exec(op);
    }

    @Override
    public INDArray[] exec(CustomOp op, OpContext context) {
        return op instanceof JavaKernelOp javaOp ? run(javaOp, context) : super.exec(op, context);
    }

    private INDArray[] run(JavaKernelOp op, @Nullable OpContext context) {
        Call call = Call.of(op, context);
        long start = profilingConfigurableHookIn(op, context);
        try {
            op.compute(call.inputs(), call.outputs());
        } finally {
            profilingConfigurableHookOut(op, context, start);
        }
        return call.outputs();
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
        return op instanceof JavaKernelOp ? op.calculateOutputShape(context) : super.calculateOutputShape(op, context);
    }
}
