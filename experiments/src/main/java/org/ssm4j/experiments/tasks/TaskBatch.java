package org.ssm4j.experiments.tasks;

import java.util.Arrays;

/**
 * A batch of token sequences of one length with the answers the model must give.
 *
 * @param batchSize number of sequences
 * @param length    tokens per sequence
 * @param inputs    token ids, row-major {@code (batchSize, length)}
 * @param targets   the token the model must output at each position, row-major
 *                  {@code (batchSize, length)}, or {@link #NO_ANSWER} where nothing is asked;
 *                  loss and accuracy count only the answer positions
 */
public record TaskBatch(int batchSize, int length, int[] inputs, int[] targets) {

    /** Target value of a position that is not scored. */
    public static final int NO_ANSWER = -1;

    public TaskBatch {
        if (batchSize <= 0 || length <= 0) {
            throw new IllegalArgumentException("batch size and length must be positive, got " + batchSize + " and " + length);
        }
        long expected = (long) batchSize * length;
        if (inputs.length != expected || targets.length != expected) {
            throw new IllegalArgumentException("inputs and targets must hold batchSize*length = " + expected
                    + " values, got " + inputs.length + " and " + targets.length);
        }
    }

    /** Number of scored positions in the batch. */
    public int answerCount() {
        int n = 0;
        for (int t : targets) {
            if (t != NO_ANSWER) {
                n++;
            }
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TaskBatch b && b.batchSize == batchSize && b.length == length
                && Arrays.equals(b.inputs, inputs) && Arrays.equals(b.targets, targets);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(inputs) + Arrays.hashCode(targets)) + 7 * batchSize + length;
    }

    @Override
    public String toString() {
        return "TaskBatch[" + batchSize + " x " + length + ", " + answerCount() + " answers]";
    }
}
