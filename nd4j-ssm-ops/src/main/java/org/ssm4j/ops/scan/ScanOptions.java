package org.ssm4j.ops.scan;

import org.ssm4j.ops.Layout;

import java.util.Arrays;

/**
 * Everything the scan ops need besides their arrays, kept in the op's integer arguments
 * {@code [layout, deltaSoftplus, hasD, hasZ, hasDeltaBias, hasInitialState, checkpointInterval]}
 * so that SameDiff copies it when it clones a graph for autodiff and saves it with the graph.
 */
record ScanOptions(Layout layout, boolean deltaSoftplus, boolean hasD, boolean hasZ, boolean hasDeltaBias,
                   boolean hasInitialState, int checkpointInterval) {

    private static final int COUNT = 7;

    static ScanOptions of(SelectiveScanConfig config, boolean hasD, boolean hasZ, boolean hasDeltaBias,
                          boolean hasInitialState) {
        return new ScanOptions(config.layout(), config.deltaSoftplus(), hasD, hasZ, hasDeltaBias, hasInitialState,
                config.checkpointInterval());
    }

    long[] toIArgs() {
        return new long[]{layout.ordinal(), flag(deltaSoftplus), flag(hasD), flag(hasZ), flag(hasDeltaBias),
                flag(hasInitialState), checkpointInterval};
    }

    static ScanOptions fromIArgs(String opName, long[] args) {
        if (args.length != COUNT || args[0] < 0 || args[0] >= Layout.values().length
                || Arrays.stream(args, 1, COUNT - 1).anyMatch(a -> a != 0 && a != 1)
                || args[COUNT - 1] < 1 || args[COUNT - 1] > Integer.MAX_VALUE) {
            throw new IllegalStateException(opName + " needs " + COUNT + " integer arguments [layout 0..1, "
                    + "deltaSoftplus 0/1, hasD 0/1, hasZ 0/1, hasDeltaBias 0/1, hasInitialState 0/1, "
                    + "checkpointInterval >= 1], got " + Arrays.toString(args));
        }
        return new ScanOptions(Layout.values()[(int) args[0]], args[1] == 1, args[2] == 1, args[3] == 1,
                args[4] == 1, args[5] == 1, (int) args[6]);
    }

    /** Number of forward inputs: u, delta, A, B, C, then the optional ones present. */
    int forwardInputs() {
        return 5 + count(hasD) + count(hasZ) + count(hasDeltaBias) + count(hasInitialState);
    }

    private static int count(boolean present) {
        return present ? 1 : 0;
    }

    private static long flag(boolean value) {
        return value ? 1 : 0;
    }
}
