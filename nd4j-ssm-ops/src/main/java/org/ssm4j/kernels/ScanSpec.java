package org.ssm4j.kernels;

/**
 * Sizes and options of one selective-scan call, as every scan kernel (CPU and CUDA) sees it.
 *
 * <p>Kernels work in the channels-last layout, on dense row-major buffers:
 * <ul>
 *   <li>{@code u}, {@code delta}, {@code z}, {@code y}: (batch, length, channels)</li>
 *   <li>{@code B}, {@code C}: (batch, length, groups, state); channel {@code c} reads group
 *       {@code c / (channels / groups)}</li>
 *   <li>{@code A}: (channels, state); {@code D}, {@code deltaBias}: (channels)</li>
 *   <li>initial and last state: (batch, channels, state)</li>
 *   <li>checkpoints: (batch, checkpoints(), channels, state); checkpoint {@code j} is the
 *       state before step {@code j * checkpointInterval} (checkpoint 0 is the initial state,
 *       zeros when there is none). The backward pass recomputes the states of each chunk
 *       of {@code checkpointInterval} steps from its checkpoint.</li>
 * </ul>
 *
 * @param batch              batch size, at least 1
 * @param length             sequence length, at least 1
 * @param channels           channels (d_inner), at least 1
 * @param state              state size N, at least 1
 * @param groups             groups sharing B and C; divides {@code channels}
 * @param deltaSoftplus      apply softplus to {@code delta + deltaBias}
 * @param hasD               a skip term {@code D * u} is added
 * @param hasZ               the output is gated by {@code silu(z)}
 * @param hasDeltaBias       {@code deltaBias} is added to delta
 * @param hasInitialState    the scan starts from a given state instead of zeros
 * @param checkpointInterval steps between saved states for the backward pass, at least 1
 */
public record ScanSpec(int batch, int length, int channels, int state, int groups,
                       boolean deltaSoftplus, boolean hasD, boolean hasZ, boolean hasDeltaBias,
                       boolean hasInitialState, int checkpointInterval) {

    /**
     * The default interval between saved states: 128 steps. The checkpoints then take
     * {@code state / 128} of one (batch, length, channels) tensor (1/8 for state 16), and the
     * CPU backward pass's per-thread recomputation buffers (128 steps × state × one vector)
     * stay within L2; smaller intervals cost more checkpoint memory without being faster.
     */
    public static final int DEFAULT_CHECKPOINT_INTERVAL = 128;

    public ScanSpec {
        positive("batch", batch);
        positive("length", length);
        positive("channels", channels);
        positive("state", state);
        positive("groups", groups);
        positive("checkpointInterval", checkpointInterval);
        if (channels % groups != 0) {
            throw new IllegalArgumentException("groups must divide channels: channels=" + channels
                    + ", groups=" + groups);
        }
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, got " + value);
        }
    }

    /** Number of saved states: {@code ceil(length / checkpointInterval)}. */
    public int checkpoints() {
        return (length + checkpointInterval - 1) / checkpointInterval;
    }

    /** Channels that share one group's B and C. */
    public int channelsPerGroup() {
        return channels / groups;
    }
}
