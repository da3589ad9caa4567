package org.ssm4j.ops.runtime.cuda;

import org.nd4j.jita.allocator.impl.AtomicAllocator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.ops.runtime.HostMemory;

/**
 * Host memory of ND4J CUDA arrays around Java kernels: the host copy is brought up to date
 * (allocated, and copied from the device when the device holds the newer data) before Java
 * code reads or writes it, and marked as the newer copy after Java code wrote it, so that
 * ND4J copies it to the device before its next device use.
 */
final class Nd4jCudaHostMemory implements HostMemory {

    @Override
    public void beforeHostRead(INDArray array) {
        if (!array.isEmpty()) {
            AtomicAllocator.getInstance().synchronizeHostData(array);
        }
    }

    @Override
    public void afterHostWrite(INDArray array) {
        if (!array.isEmpty()) {
            AtomicAllocator.getInstance().tickHostWrite(array);
        }
    }
}
