package org.ssm4j.datasets;

import java.util.Arrays;
import java.util.Objects;

/**
 * The {@link BatchSource} of every dataset: it walks the examples of an {@link ExampleCollator}
 * epoch by epoch, in {@link EpochOrder} (shuffled or not), cuts them into batches and keeps the
 * {@link IteratorState}.
 */
public final class EpochBatches implements BatchSource {

    private final ExampleCollator collator;
    private final BatchOptions options;
    private final int examples;
    /** Examples served per epoch: all of them, or only those of full batches when dropping the last. */
    private final int servedPerEpoch;
    private long seed;
    private long epoch;
    private int position;
    private int[] order;
    private long orderEpoch = -1;

    /**
     * @param collator the examples and how to batch them
     * @param options batch size, seed, shuffling, dropping the last batch
     * @throws IllegalArgumentException if an epoch would have no batch
     */
    public EpochBatches(ExampleCollator collator, BatchOptions options) {
        this.collator = Objects.requireNonNull(collator, "collator");
        this.options = Objects.requireNonNull(options, "options");
        this.examples = collator.exampleCount();
        if (examples < 1) {
            throw new IllegalArgumentException("the dataset has no examples to batch");
        }
        if (options.dropLast() && examples < options.batchSize()) {
            throw new IllegalArgumentException("batch size " + options.batchSize() + " exceeds the " + examples
                    + " examples per epoch, and the last (incomplete) batch is dropped: no batch at all");
        }
        this.servedPerEpoch = options.dropLast() ? examples / options.batchSize() * options.batchSize() : examples;
        this.seed = options.seed();
    }

    @Override
    public Batch next() {
        if (position >= servedPerEpoch) {
            epoch++;
            position = 0;
        }
        int[] epochOrder = order();
        int size = Math.min(options.batchSize(), servedPerEpoch - position);
        int[] chosen = Arrays.copyOfRange(epochOrder, position, position + size);
        Batch batch = collator.collate(chosen);
        position += size;
        return batch;
    }

    @Override
    public long examplesPerEpoch() {
        return examples;
    }

    @Override
    public long batchesPerEpoch() {
        return (servedPerEpoch + options.batchSize() - 1) / options.batchSize();
    }

    @Override
    public IteratorState state() {
        // the end of an epoch and the start of the next are one point: report the start
        return position >= servedPerEpoch ? new IteratorState(epoch + 1, 0, seed)
                : new IteratorState(epoch, position, seed);
    }

    @Override
    public IteratorState stateAfter(long batches) {
        if (batches < 0) {
            throw new IllegalArgumentException("batch count must be >= 0, got " + batches);
        }
        long perEpoch = batchesPerEpoch();
        long position = Math.min((batches % perEpoch) * options.batchSize(), servedPerEpoch);
        return new IteratorState(batches / perEpoch, position, seed);
    }

    @Override
    public void restore(IteratorState state) {
        if (state.position() > servedPerEpoch) {
            throw new IllegalArgumentException("iterator position " + state.position()
                    + " lies beyond the " + servedPerEpoch + " examples an epoch serves");
        }
        if (state.seed() != seed) {
            orderEpoch = -1;
        }
        seed = state.seed();
        epoch = state.epoch();
        position = (int) state.position();
    }

    private int[] order() {
        if (orderEpoch != epoch) {
            order = options.shuffle() ? EpochOrder.shuffled(examples, seed, epoch) : EpochOrder.identity(examples);
            orderEpoch = epoch;
        }
        return order;
    }
}
