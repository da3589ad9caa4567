package org.ssm4j.ops.scan;

import org.jspecify.annotations.Nullable;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.ops.FloatingPointOp;
import org.ssm4j.ops.runtime.DeviceArrays;
import org.ssm4j.ops.runtime.DeviceKernelOp;

import java.util.Objects;

/**
 * What the forward and backward scan ops share: one computation ({@link #run}) on the host
 * kernels or, for a GPU backend's FLOAT arrays, on the CUDA kernels over the arrays' device
 * memory.
 */
abstract sealed class ScanOp extends FloatingPointOp implements DeviceKernelOp permits SelectiveScan, SelectiveScanBp {

    ScanOp() {
    }

    ScanOp(SameDiff sameDiff, SDVariable[] inputs) {
        super(sameDiff, inputs);
    }

    ScanOp(INDArray[] inputs, INDArray @Nullable [] outputs) {
        super(inputs, outputs);
    }

    @Override
    public final void compute(INDArray[] inputs, INDArray[] outputs) {
        run(inputs, outputs, null);
    }

    @Override
    public final boolean runsOnDevice(INDArray[] inputs) {
        return ScanInputs.runsOnDevice(inputs[0].dataType());
    }

    @Override
    public final void computeOnDevice(INDArray[] inputs, INDArray[] outputs, DeviceArrays device) {
        run(inputs, outputs, Objects.requireNonNull(device, "device"));
    }

    /** On the host (the selected kernel) when {@code device} is null, else with the CUDA kernels on the device's arrays. */
    abstract void run(INDArray[] inputs, INDArray[] outputs, @Nullable DeviceArrays device);
}
