package org.ssm4j.mamba.graph;

import org.nd4j.autodiff.samediff.SameDiff;

import java.io.OutputStream;
import java.io.PrintStream;

/** Creates a graph's gradient function once, ahead of the first training step. */
public final class GradientFunctions {
    private GradientFunctions() {
    }

    /**
     * Builds {@code sd}'s backward graph. SameDiff 1.0.0-M2.1 prints one "Added differentiated
     * op" line per op to {@code System.out} while doing so, which would bury the command line's
     * own output; standard output is silenced for that call only.
     */
    public static synchronized void create(SameDiff sd) {
        PrintStream out = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        try {
            sd.createGradFunction();
        } finally {
            System.setOut(out);
        }
    }
}
