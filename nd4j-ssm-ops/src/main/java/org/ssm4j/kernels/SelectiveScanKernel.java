package org.ssm4j.kernels;

/**
 * A selective-scan implementation (CPU Vector API, scalar, CUDA). All of them compute the
 * same function on the same buffer layout ({@link ScanSpec}).
 */
public interface SelectiveScanKernel {

    /** A short name for logs and benchmarks, e.g. {@code "cpu-vector"}. */
    String name();

    /** True if this kernel handles buffers of the given element type. */
    boolean supports(ElementType type);

    /** y, the last state and the checkpoints from the inputs. */
    void forward(ScanSpec spec, ScanForward buffers);

    /** Gradients of every input, recomputing states from the checkpoints. */
    void backward(ScanSpec spec, ScanBackward buffers);
}
