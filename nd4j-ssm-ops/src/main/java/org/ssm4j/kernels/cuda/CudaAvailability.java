package org.ssm4j.kernels.cuda;

/**
 * Whether the CUDA selective scan can run in this process, and if not, why.
 *
 * @param available true when the driver, a device and the compiled kernels are all present
 * @param reason    a sentence saying what was found or what is missing (never null)
 */
public record CudaAvailability(boolean available, String reason) {

    static CudaAvailability yes(String what) {
        return new CudaAvailability(true, what);
    }

    static CudaAvailability no(String why) {
        return new CudaAvailability(false, why);
    }
}
