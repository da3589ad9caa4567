package org.ssm4j.kernels.cuda;

/**
 * Device pointers (CUdeviceptr values) of one forward selective scan, laid out as
 * {@link org.ssm4j.kernels.ScanForward} describes; 0 marks an absent optional tensor.
 * Every buffer holds the element type given to the launch.
 */
public record DeviceForward(long u, long delta, long a, long b, long c, long d, long z, long deltaBias,
                            long initialState, long y, long lastState, long checkpoints) {
}
