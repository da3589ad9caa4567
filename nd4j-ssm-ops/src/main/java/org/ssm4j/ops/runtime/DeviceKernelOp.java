package org.ssm4j.ops.runtime;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A {@link JavaKernelOp} that can also run its kernels on the GPU memory of a GPU backend's
 * arrays, without copying them to the host. An executioner for such a backend calls
 * {@link #computeOnDevice} when {@link #runsOnDevice} accepts the inputs, and
 * {@link #compute} (on host copies, kept coherent by {@link HostMemory}) otherwise.
 */
public interface DeviceKernelOp extends JavaKernelOp {

    /** Whether {@link #computeOnDevice} handles these inputs (element types, kernels present). */
    boolean runsOnDevice(INDArray[] inputs);

    /**
     * Computes the op on the device.
     *
     * @param inputs  as for {@link #compute}
     * @param outputs as for {@link #compute}
     * @param device  the arrays' device memory and the stream to enqueue on
     */
    void computeOnDevice(INDArray[] inputs, INDArray[] outputs, DeviceArrays device);
}
