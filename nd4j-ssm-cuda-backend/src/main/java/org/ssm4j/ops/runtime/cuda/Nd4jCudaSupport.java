package org.ssm4j.ops.runtime.cuda;

import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.ssm4j.ops.runtime.HostMemory;
import org.ssm4j.ops.runtime.JavaOpExecutioner;
import org.ssm4j.ops.runtime.Nd4jBackendSupport;

/**
 * ssm4j's ops on ND4J's CUDA backend (nd4j-cuda-11.6, GPUs it has machine code for: up to
 * sm_86): {@link SsmCudaOpExecutioner}, and host memory kept coherent with the device through
 * ND4J's allocator. A {@link java.util.ServiceLoader} service of {@link Nd4jBackendSupport}:
 * with this module on the class path, {@code SsmRuntime} installs it when ND4J starts on that
 * backend.
 */
public final class Nd4jCudaSupport implements Nd4jBackendSupport {

    /**
     * The executioner class of ND4J's CUDA backend, by name: comparing names does not load it,
     * so a JVM without nd4j-cuda can look at this service safely.
     */
    static final String CUDA_EXECUTIONER = "org.nd4j.linalg.jcublas.ops.executioner.CudaExecutioner";

    @Override
    public boolean supports(OpExecutioner nd4jExecutioner) {
        return nd4jExecutioner.getClass().getName().equals(CUDA_EXECUTIONER);
    }

    @Override
    public JavaOpExecutioner executioner(OpExecutioner nd4jExecutioner) {
        return new SsmCudaOpExecutioner();
    }

    @Override
    public HostMemory hostMemory() {
        return new Nd4jCudaHostMemory();
    }
}
