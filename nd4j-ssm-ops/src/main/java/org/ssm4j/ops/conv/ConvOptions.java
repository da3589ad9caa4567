package org.ssm4j.ops.conv;

import org.ssm4j.ops.Layout;

import java.util.Arrays;

/**
 * Everything a conv op needs besides its arrays, stored as the op's integer arguments
 * {@code [layout, silu, hasBias, hasInitialState]} so that SameDiff clones and saves it.
 */
record ConvOptions(Layout layout, boolean silu, boolean hasBias, boolean hasInitialState) {

    static ConvOptions of(CausalConv1dConfig config, boolean hasBias, boolean hasInitialState) {
        return new ConvOptions(config.layout(), config.silu(), hasBias, hasInitialState);
    }

    long[] toIArgs() {
        return new long[]{layout.ordinal(), flag(silu), flag(hasBias), flag(hasInitialState)};
    }

    static ConvOptions fromIArgs(String opName, long[] args) {
        if (args.length != 4 || args[0] < 0 || args[0] >= Layout.values().length
                || Arrays.stream(args, 1, 4).anyMatch(a -> a != 0 && a != 1)) {
            throw new IllegalStateException(opName + " needs 4 integer arguments [layout 0..1, silu 0/1, "
                    + "hasBias 0/1, hasInitialState 0/1], got " + Arrays.toString(args));
        }
        return new ConvOptions(Layout.values()[(int) args[0]], args[1] == 1, args[2] == 1, args[3] == 1);
    }

    /** Number of forward inputs: x, weight, then bias and initial state when present. */
    int forwardInputs() {
        return 2 + (hasBias ? 1 : 0) + (hasInitialState ? 1 : 0);
    }

    private static long flag(boolean value) {
        return value ? 1 : 0;
    }
}
