package org.ssm4j.ops;

/** Where the channel axis of a sequence tensor is. */
public enum Layout {
    /** (batch, length, channels): what the Mamba block uses, and the default. */
    CHANNELS_LAST,
    /** (batch, channels, length): the layout of the reference CUDA functions. */
    CHANNELS_FIRST
}
