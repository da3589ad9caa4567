package org.ssm4j.ops.runtime;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Keeps an ND4J array's host memory coherent around Java kernels that read and write it
 * there. On the CPU backend host memory is the only copy ({@link #DIRECT}); on a GPU backend
 * an array may be newer on the device, and the backend must learn when Java code wrote its
 * host copy. {@link DenseArrays} calls these around every kernel buffer it hands out, so ops
 * need not know which backend runs them.
 */
public interface HostMemory {

    /** The CPU backend: nothing to synchronise. */
    HostMemory DIRECT = new HostMemory() {
        @Override
        public void beforeHostRead(INDArray array) {
        }

        @Override
        public void afterHostWrite(INDArray array) {
        }
    };

    /** Makes the host copy of {@code array} current (and allocated) before Java code reads or writes it. */
    void beforeHostRead(INDArray array);

    /** Records that Java code wrote the whole host copy of {@code array}. */
    void afterHostWrite(INDArray array);
}
