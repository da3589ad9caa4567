package org.ssm4j.datasets;

/**
 * An endless, deterministic stream of batches for a trainer. Epoch after epoch it serves every
 * example once (in a seeded order when shuffling); {@link #next()} moves into the next epoch by
 * itself. The order depends only on the seed, the epoch and the dataset, so a run restored from
 * {@link #state()} continues with exactly the batches it would have seen.
 *
 * <p>Evaluate one full pass by restoring {@link IteratorState#start(long)} and calling
 * {@link #next()} {@link #batchesPerEpoch()} times. Not thread-safe.
 */
public interface BatchSource {

    /** @return the next batch, starting the next epoch when the current one is done */
    Batch next();

    /** @return examples per epoch (including those of a dropped last batch) */
    long examplesPerEpoch();

    /** @return batches per epoch */
    long batchesPerEpoch();

    /** @return the current position, to checkpoint */
    IteratorState state();

    /**
     * The state after a number of batches from the start with the current seed, for a trainer
     * that only kept its step count: {@code restore(stateAfter(step))} continues at batch
     * {@code step}.
     *
     * @param batches batches served since epoch 0 began
     * @return the state at that point
     */
    IteratorState stateAfter(long batches);

    /**
     * Continues from a checkpointed position (adopting its seed).
     *
     * @param state a state from {@link #state()} of a source over the same dataset
     * @throws IllegalArgumentException if its position lies beyond the epoch's examples
     */
    void restore(IteratorState state);
}
