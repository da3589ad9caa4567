package org.ssm4j.kernels.cpu;

/**
 * One task's sums of the per-channel gradients (dA, dD, d(delta_bias)) over its steps, for
 * the channels {@code [channel0, channel0 + channels)}; {@link ParallelScan} adds the tasks'
 * sums in a fixed order.
 */
final class ChannelGradients {
    final int channel0;
    final int state;
    /** (channels, state). */
    final double[] dA;
    /** (channels). */
    final double[] dD;
    /** (channels). */
    final double[] dDeltaBias;

    ChannelGradients(int channel0, int channels, int state) {
        this.channel0 = channel0;
        this.state = state;
        this.dA = new double[channels * state];
        this.dD = new double[channels];
        this.dDeltaBias = new double[channels];
    }
}
