package org.ssm4j.ops.scan;

import org.ssm4j.kernels.ScanSpec;
import org.ssm4j.ops.Layout;

import java.util.Objects;

/**
 * Options of a selective scan.
 *
 * @param layout             layout of u, delta, z, y (and B, C): channels-last (the default, what
 *                           the Mamba block produces) or channels-first (the reference's)
 * @param deltaSoftplus      apply softplus to {@code delta + delta_bias} (Mamba does)
 * @param checkpointInterval steps between the states saved for the backward pass, at least 1
 *                           ({@link ScanSpec#DEFAULT_CHECKPOINT_INTERVAL} by default)
 */
public record SelectiveScanConfig(Layout layout, boolean deltaSoftplus, int checkpointInterval) {

    public SelectiveScanConfig {
        Objects.requireNonNull(layout, "layout");
        if (checkpointInterval < 1) {
            throw new IllegalArgumentException("checkpointInterval must be at least 1, got " + checkpointInterval);
        }
    }

    /** Channels-last, softplus on delta, a checkpoint every 128 steps. */
    public static SelectiveScanConfig defaults() {
        return new SelectiveScanConfig(Layout.CHANNELS_LAST, true, ScanSpec.DEFAULT_CHECKPOINT_INTERVAL);
    }

    /** This config with the given layout. */
    public SelectiveScanConfig withLayout(Layout newLayout) {
        return new SelectiveScanConfig(newLayout, deltaSoftplus, checkpointInterval);
    }

    /** This config with softplus on delta on or off. */
    public SelectiveScanConfig withDeltaSoftplus(boolean on) {
        return new SelectiveScanConfig(layout, on, checkpointInterval);
    }

    /** This config with another checkpoint interval. */
    public SelectiveScanConfig withCheckpointInterval(int steps) {
        return new SelectiveScanConfig(layout, deltaSoftplus, steps);
    }
}
