package org.ssm4j.datasets;

/**
 * How a {@link BatchSource} batches its examples.
 *
 * @param batchSize examples per batch, at least 1
 * @param seed fixes each epoch's order when shuffling
 * @param shuffle whether each epoch visits the examples in a seeded random order (a different
 *     one per epoch) rather than in file order
 * @param dropLast whether an epoch's last, smaller batch is skipped (every batch then has
 *     {@code batchSize} examples)
 */
public record BatchOptions(int batchSize, long seed, boolean shuffle, boolean dropLast) {

    public BatchOptions {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
    }

    /**
     * For training: shuffled, full batches only.
     *
     * @param batchSize examples per batch
     * @param seed the shuffle seed
     * @return the options
     */
    public static BatchOptions training(int batchSize, long seed) {
        return new BatchOptions(batchSize, seed, true, true);
    }

    /**
     * For evaluation: file order, every example once per epoch (the last batch may be smaller).
     *
     * @param batchSize examples per batch
     * @return the options
     */
    public static BatchOptions evaluation(int batchSize) {
        return new BatchOptions(batchSize, 0, false, false);
    }
}
