package org.ssm4j.kernels.cuda;

/**
 * Device pointers (CUdeviceptr values) of one backward selective scan, laid out as
 * {@link org.ssm4j.kernels.ScanBackward} describes; 0 marks an absent tensor (a gradient is
 * absent exactly when its input is).
 */
public record DeviceBackward(long u, long delta, long a, long b, long c, long d, long z, long deltaBias,
                             long initialState, long checkpoints, long dy, long dLastState,
                             long du, long dDelta, long dA, long dB, long dC, long dD, long dZ,
                             long dDeltaBias, long dInitialState) {
}
