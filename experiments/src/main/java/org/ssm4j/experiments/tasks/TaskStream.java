package org.ssm4j.experiments.tasks;

/**
 * The training data iterator: an endless stream of batches of one task, drawn from a
 * {@link SplitMix64} generator. Its state (generator state and batches drawn) is two longs,
 * which checkpoints store so that a resumed run sees exactly the batches an uninterrupted
 * run would have seen.
 */
public final class TaskStream {

    /** What a checkpoint stores of a stream. */
    public record State(long generatorState, long batchesDrawn) {
    }

    private final SyntheticTask task;
    private final int batchSize;
    private final int length;
    private final SplitMix64 rng;
    private long batchesDrawn;

    private TaskStream(SyntheticTask task, int batchSize, int length, SplitMix64 rng, long batchesDrawn) {
        if (length < task.minimumLength()) {
            throw new IllegalArgumentException(task.name() + " needs sequences of at least " + task.minimumLength()
                    + " tokens, got length " + length);
        }
        this.task = task;
        this.batchSize = batchSize;
        this.length = length;
        this.rng = rng;
        this.batchesDrawn = batchesDrawn;
    }

    /** A fresh stream for {@code seed}. */
    public static TaskStream start(SyntheticTask task, int batchSize, int length, long seed) {
        return new TaskStream(task, batchSize, length, SplitMix64.forStream(seed, Streams.TRAIN), 0);
    }

    /** A stream continuing from a saved state. */
    public static TaskStream resume(SyntheticTask task, int batchSize, int length, State state) {
        return new TaskStream(task, batchSize, length, new SplitMix64(state.generatorState()), state.batchesDrawn());
    }

    /** The next batch. */
    public TaskBatch next() {
        batchesDrawn++;
        return task.sample(batchSize, length, rng);
    }

    /** The state to save; {@link #resume} with it continues the stream. */
    public State state() {
        return new State(rng.state(), batchesDrawn);
    }

    /**
     * Stream identifiers for {@link SplitMix64#forStream}: each use of the run's seed gets its
     * own stream, so that changing one (say the number of evaluation samples) leaves the
     * others as they were.
     */
    public static final class Streams {
        /** Training batches. */
        public static final long TRAIN = 1;
        /** The fixed evaluation set (mixed with the sequence length). */
        public static final long EVAL = 2;
        /** Parameter initialisation. */
        public static final long INIT = 3;

        private Streams() {
        }
    }
}
