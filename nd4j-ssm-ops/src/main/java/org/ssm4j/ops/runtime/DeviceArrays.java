package org.ssm4j.ops.runtime;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The GPU memory of ND4J arrays, for ops whose kernels run on the device
 * ({@link DeviceKernelOp}). Every array handed to these methods is dense row-major and starts at
 * its buffer's first element ({@link DenseArrays#denseFromStart}); an implementation may reject
 * any other with an {@link IllegalArgumentException}.
 *
 * <p>Work is enqueued on {@link #stream()}, the stream the backend runs its own ops on for
 * the calling thread, so that it is ordered after the ops that produced the inputs and before
 * those that consume the outputs.
 */
public interface DeviceArrays {

    /** The CUDA device ordinal the arrays live on. */
    int deviceOrdinal();

    /** The {@code CUstream} handle to enqueue kernels on. */
    long stream();

    /** The device address of {@code array}'s first element, its device copy made current for reading. */
    long input(INDArray array);

    /** The device address of {@code array}'s first element, for kernels that overwrite every element. */
    long output(INDArray array);

    /** Records that the kernels enqueued on {@link #stream()} write the whole device copy of {@code array}. */
    void written(INDArray array);
}
