package org.ssm4j.kernels.cpu;

import org.ssm4j.kernels.ElementType;

import java.util.concurrent.ForkJoinPool;

/**
 * The selective scan in plain Java {@code double} arithmetic, one channel at a time, on
 * FLOAT64 or FLOAT32 buffers: the reference for gradient checks, and the FLOAT32 kernel when
 * the {@code jdk.incubator.vector} module is absent. Parallel over batch rows and channels
 * (and over length chunks when those are few), like {@link VectorScanKernel}. Thread-safe.
 */
public final class ScalarScanKernel extends CpuScanKernel {

    /** A kernel on the shared scan threads. */
    public ScalarScanKernel() {
        this(ScanThreads.pool(), 0);
    }

    /** A kernel on the given threads, forcing {@code forceChunks} length chunks when positive. */
    ScalarScanKernel(ForkJoinPool pool, int forceChunks) {
        super(new ScalarBlockArithmetic(), pool, forceChunks);
    }

    @Override
    public String name() {
        return "cpu-scalar";
    }

    @Override
    public boolean supports(ElementType type) {
        return type == ElementType.FLOAT64 || type == ElementType.FLOAT32;
    }

    @Override
    String unsupported(ElementType type) {
        return name() + " takes FLOAT64 or FLOAT32 buffers, got " + type;
    }
}
