package org.ssm4j.kernels.cuda;

/**
 * The compile-time shape of one kernel instance in {@code selective_scan.cu}: each channel
 * is served by {@code lanes} threads holding {@code statesPerLane} state entries each, and a
 * thread block holds {@code channelsPerBlock} channels.
 */
record KernelShape(int lanes, int statesPerLane, int channelsPerBlock) {

    /** State entries a channel can hold. */
    int states() {
        return lanes * statesPerLane;
    }

    /** The kernel name for a prefix ({@code ssm_scan_fwd}, ...) and element type ({@code f32}, {@code bf16}). */
    String kernel(String prefix, String type) {
        return prefix + "_" + type + "_l" + lanes + "_s" + statesPerLane + "_c" + channelsPerBlock;
    }
}
