package org.ssm4j.ops.runtime.cuda;

import org.jspecify.annotations.Nullable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.CustomOpDescriptor;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.jcublas.ops.executioner.CudaExecutioner;
import org.ssm4j.ops.runtime.DeviceKernelOp;
import org.ssm4j.ops.runtime.JavaKernelOp;
import org.ssm4j.ops.runtime.JavaOpExecutioner;
import org.ssm4j.ops.runtime.SsmRuntime;

import java.util.List;
import java.util.Map;

/**
 * ND4J's CUDA op executioner with ssm4j's ops: a {@link DeviceKernelOp} that accepts its
 * inputs runs its CUDA kernels on the arrays' device memory ({@link Nd4jCudaArrays}), on the
 * stream of the thread's ND4J context; any other {@link JavaKernelOp} runs its Java kernel on
 * the arrays' host copies ({@link Nd4jCudaHostMemory} keeps them coherent); every other op goes
 * to libnd4j as before.
 */
public final class SsmCudaOpExecutioner extends CudaExecutioner implements JavaOpExecutioner {

    SsmCudaOpExecutioner() {
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
            if (op instanceof DeviceKernelOp deviceOp && deviceOp.runsOnDevice(call.inputs())) {
                deviceOp.computeOnDevice(call.inputs(), call.outputs(), new Nd4jCudaArrays());
            } else {
                op.compute(call.inputs(), call.outputs());
            }
        } finally {
            profilingConfigurableHookOut(op, context, start);
        }
        return call.outputs();
    }

    /** libnd4j's ops, after making sure ssm4j's ops are registered (see {@code SsmOpExecutioner}). */
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
