package org.ssm4j.ops.conv;

import org.ssm4j.ops.Layout;

import java.util.Objects;

/**
 * Options of a causal conv1d.
 *
 * @param layout layout of {@code x} and {@code y}: (batch, length, channels) or
 *               (batch, channels, length)
 * @param silu   apply SiLU ({@code z * sigmoid(z)}) to the convolution's output
 */
public record CausalConv1dConfig(Layout layout, boolean silu) {

    public CausalConv1dConfig {
        Objects.requireNonNull(layout, "layout");
    }

    /** Channels-last, no activation. */
    public static CausalConv1dConfig defaults() {
        return new CausalConv1dConfig(Layout.CHANNELS_LAST, false);
    }

    /** This config with the given layout. */
    public CausalConv1dConfig withLayout(Layout newLayout) {
        return new CausalConv1dConfig(newLayout, silu);
    }

    /** This config with SiLU on or off. */
    public CausalConv1dConfig withSilu(boolean on) {
        return new CausalConv1dConfig(layout, on);
    }
}
