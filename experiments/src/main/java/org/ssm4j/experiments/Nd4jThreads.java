package org.ssm4j.experiments;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Sets how many threads ND4J's CPU backend uses: libnd4j's own loops, its OpenMP regions and
 * OpenBLAS. The OpenMP count is otherwise fixed by {@code OMP_NUM_THREADS} at start-up.
 *
 * <p>Experiments default to one thread: their tensors are small, so splitting each op costs
 * more than it gains (on a busy 2-core machine one thread ran a training step of the small
 * Transformer about ten times faster than two), and with one thread the order of every
 * floating-point reduction is fixed.
 */
public final class Nd4jThreads {
    private Nd4jThreads() {
    }

    /** Uses {@code threads} threads from now on in this process. */
    public static void set(int threads) {
        if (threads <= 0) {
            throw new IllegalArgumentException("threads must be positive, got " + threads);
        }
        Nd4j.getEnvironment().setMaxThreads(threads);
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
    }
}
