package org.ssm4j.kernels.cpu;

import org.ssm4j.kernels.ElementType;

import java.util.concurrent.ForkJoinPool;

/**
 * The selective scan on FLOAT32 buffers with the Vector API ({@code jdk.incubator.vector}):
 * one vector holds neighbouring channels (16 with AVX-512, 8 with AVX2), parallel over batch
 * rows × channel blocks, and over length chunks when those cannot keep every thread busy.
 * Loading this class needs the incubator module; {@link CpuScanKernels} checks for it.
 * Thread-safe.
 */
public final class VectorScanKernel extends CpuScanKernel {

    /** A kernel on the shared scan threads. */
    public VectorScanKernel() {
        this(ScanThreads.pool(), 0);
    }

    /** A kernel on the given threads, forcing {@code forceChunks} length chunks when positive. */
    VectorScanKernel(ForkJoinPool pool, int forceChunks) {
        super(new VectorBlockArithmetic(), pool, forceChunks);
    }

    /**
     * A kernel that always cuts the length into {@code chunks} parallel chunks (at most one per
     * checkpoint interval), whether or not the channels could keep every thread busy: for
     * benchmarks of the chunked path on machines with few cores.
     */
    public static VectorScanKernel withLengthChunks(int chunks) {
        if (chunks < 1) {
            throw new IllegalArgumentException("chunks must be at least 1, got " + chunks);
        }
        return new VectorScanKernel(ScanThreads.pool(), chunks);
    }

    /** Channels per vector on this machine. */
    public static int lanes() {
        return VectorBlockArithmetic.LANES;
    }

    @Override
    public String name() {
        return "cpu-vector";
    }

    @Override
    public boolean supports(ElementType type) {
        return type == ElementType.FLOAT32;
    }

    @Override
    String unsupported(ElementType type) {
        return name() + " takes FLOAT32 buffers, got " + type + "; use the scalar kernel for FLOAT64";
    }
}
