package org.ssm4j.kernels.cpu;

/**
 * Neighbouring channels of one batch row that share one group's B and C: the unit of work of
 * a CPU scan kernel, scanned together (one vector of channels in the Vector API kernel).
 *
 * @param batch    batch row
 * @param group    the group whose B and C every channel of the block reads
 * @param column   index of the block among the blocks of a batch row (the same for every row)
 * @param channel0 first channel
 * @param width    number of channels, at least 1 and at most the kernel's block width
 */
record ChannelBlock(int batch, int group, int column, int channel0, int width) {
}
