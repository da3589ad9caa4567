package org.ssm4j.kernels.cpu;

import java.util.List;

/**
 * Consecutive blocks of one batch row and one group, scanned one after the other by one task.
 * Its blocks' contributions to the gradients of B and C are summed in block order, so the
 * result does not depend on which thread runs which unit.
 *
 * @param blocks the blocks in channel order, at least one
 */
record ScanUnit(List<ChannelBlock> blocks) {

    ScanUnit {
        blocks = List.copyOf(blocks);
    }

    ChannelBlock first() {
        return blocks.getFirst();
    }

    /** The first channel of the unit. */
    int channel0() {
        return first().channel0();
    }

    /** The number of channels of the unit. */
    int channels() {
        ChannelBlock last = blocks.getLast();
        return last.channel0() + last.width() - channel0();
    }
}
