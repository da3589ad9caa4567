package org.ssm4j.ops;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Where the channel axis of a sequence tensor is. */
public enum Layout {
    /** (batch, length, channels): what the Mamba block uses, and the default. */
    CHANNELS_LAST,
    /** (batch, channels, length): the layout of the reference CUDA functions. */
    CHANNELS_FIRST;

    /** The axes of a sequence tensor in this layout, for messages: {@code "(batch, length, channels)"} or the other order. */
    public String axes() {
        return this == CHANNELS_LAST ? "(batch, length, channels)" : "(batch, channels, length)";
    }

    /** The shape of a sequence tensor with these sizes in this layout. */
    public long[] sequenceShape(long batch, long length, long channels) {
        return this == CHANNELS_LAST ? new long[]{batch, length, channels} : new long[]{batch, channels, length};
    }

    /** The (batch, length, channels) view of a rank-3 sequence tensor in this layout (the tensor itself if channels-last). */
    public INDArray channelsLastView(INDArray sequence) {
        return this == CHANNELS_LAST ? sequence : sequence.permute(0, 2, 1);
    }
}
