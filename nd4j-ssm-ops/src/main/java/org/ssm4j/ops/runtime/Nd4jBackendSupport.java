package org.ssm4j.ops.runtime;

import org.nd4j.linalg.api.ops.executioner.OpExecutioner;

/**
 * What ssm4j needs to run its Java ops on one ND4J backend: an op executioner that routes
 * {@link JavaKernelOp}s (it must implement {@link JavaOpExecutioner}) and the host-memory
 * coherence its arrays need. The CPU backend's is built in; others are
 * {@link java.util.ServiceLoader} services of this interface (the {@code nd4j-ssm-cuda-backend}
 * module provides ND4J's CUDA backend's).
 */
public interface Nd4jBackendSupport {

    /** Whether this supports the backend whose executioner ND4J created. */
    boolean supports(OpExecutioner nd4jExecutioner);

    /** The executioner that replaces {@code nd4jExecutioner}. */
    JavaOpExecutioner executioner(OpExecutioner nd4jExecutioner);

    /** How Java kernels keep this backend's host memory coherent. */
    HostMemory hostMemory();
}
