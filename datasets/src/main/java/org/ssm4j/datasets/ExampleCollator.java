package org.ssm4j.datasets;

/**
 * The dataset-specific half of a {@link BatchSource}: a fixed number of examples, and how to
 * assemble a batch of them into arrays. {@link EpochBatches} does the ordering.
 */
public interface ExampleCollator {

    /** @return the number of examples, each addressed by an index in {@code 0..count-1} */
    int exampleCount();

    /**
     * @param examples the indices of the examples, in batch order (at least one)
     * @return the batch
     */
    Batch collate(int[] examples);
}
