package org.ssm4j.kernels.cpu;

import org.ssm4j.kernels.ElementType;
import org.ssm4j.kernels.ScanBackward;
import org.ssm4j.kernels.ScanForward;
import org.ssm4j.kernels.ScanSpec;
import org.ssm4j.kernels.SelectiveScanKernel;

import java.util.concurrent.ForkJoinPool;

/**
 * What the two CPU kernels share: a {@link ParallelScan} over their block arithmetic, and the
 * check of the buffers' element type before every call.
 */
abstract class CpuScanKernel implements SelectiveScanKernel {

    private final ParallelScan scan;

    CpuScanKernel(BlockArithmetic arithmetic, ForkJoinPool pool, int forceChunks) {
        this.scan = new ParallelScan(arithmetic, pool, forceChunks);
    }

    /** The message of the {@link IllegalArgumentException} for buffers of an unsupported type. */
    abstract String unsupported(ElementType type);

    @Override
    public final void forward(ScanSpec spec, ScanForward buffers) {
        requireSupported(buffers.type());
        scan.forward(spec, buffers);
    }

    @Override
    public final void backward(ScanSpec spec, ScanBackward buffers) {
        requireSupported(buffers.type());
        scan.backward(spec, buffers);
    }

    private void requireSupported(ElementType type) {
        if (!supports(type)) {
            throw new IllegalArgumentException(unsupported(type));
        }
    }
}
