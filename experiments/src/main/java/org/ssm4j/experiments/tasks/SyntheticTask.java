package org.ssm4j.experiments.tasks;

/**
 * A task whose sequences are generated on the fly from a seeded generator, so that a run
 * needs no data files and every batch can be reproduced from the generator's state.
 */
public interface SyntheticTask {

    /** The task's name in configuration files, e.g. {@code selective_copying}. */
    String name();

    /** Number of distinct token ids; inputs and targets lie in {@code [0, vocabSize)}. */
    int vocabSize();

    /** The shortest sequence length the task can generate. */
    int minimumLength();

    /**
     * Writes one sequence of {@code length} tokens into {@code inputs[offset, offset+length)}
     * and its answers (or {@link TaskBatch#NO_ANSWER}) into {@code targets} at the same indices.
     */
    void generate(int length, SplitMix64 rng, int[] inputs, int[] targets, int offset);

    /** Draws {@code batchSize} sequences of {@code length} tokens from {@code rng}. */
    default TaskBatch sample(int batchSize, int length, SplitMix64 rng) {
        if (length < minimumLength()) {
            throw new IllegalArgumentException(name() + " needs sequences of at least " + minimumLength()
                    + " tokens, got length " + length);
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        int[] inputs = new int[Math.multiplyExact(batchSize, length)];
        int[] targets = new int[inputs.length];
        for (int b = 0; b < batchSize; b++) {
            generate(length, rng, inputs, targets, b * length);
        }
        return new TaskBatch(batchSize, length, inputs, targets);
    }
}
