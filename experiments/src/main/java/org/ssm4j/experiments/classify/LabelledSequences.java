package org.ssm4j.experiments.classify;

import org.ssm4j.experiments.monitor.PositionLayout;

/**
 * One split of a classification dataset seen as sequences: every example is {@link #length()}
 * positions of {@link #channels()} values (zero-padded at the end where the example is
 * shorter) and a class label. It may hold an open file: close it when done.
 */
public interface LabelledSequences extends AutoCloseable {

    /** Number of examples. */
    int size();

    /** Positions per sequence. */
    int length();

    /** Values per position. */
    int channels();

    /** Number of classes; labels lie in {@code [0, classes)}. */
    int classes();

    /** Whether some examples are padded (then their masks hold zeros). */
    boolean padded();

    /** The label of example {@code index}. */
    int label(int index);

    /**
     * Writes example {@code index}: its {@code (length, channels)} values row by row into
     * {@code features[featuresOffset …]} and its {@code length} mask values (1 real, 0 padding)
     * into {@code mask[maskOffset …]}.
     */
    void read(int index, float[] features, int featuresOffset, float[] mask, int maskOffset);

    /** How example {@code index} is drawn beside a heat map over its positions. */
    PositionLayout layout(int index);

    /** What the split is, for messages (its file). */
    String name();

    /** Releases the split's data (an open file). */
    @Override
    void close();
}
