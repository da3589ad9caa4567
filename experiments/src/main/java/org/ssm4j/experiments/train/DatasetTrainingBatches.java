package org.ssm4j.experiments.train;

import org.jspecify.annotations.Nullable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.datasets.Batch;
import org.ssm4j.datasets.BatchSource;
import org.ssm4j.experiments.tasks.TaskStream;

import java.util.Map;
import java.util.function.Function;

/**
 * Training batches drawn from a dataset's seeded epoch order ({@link BatchSource}). Their
 * checkpointed state is the seed and the number of batches drawn, from which
 * {@link BatchSource#stateAfter} restores the position.
 */
public final class DatasetTrainingBatches implements TrainingBatches {

    private final BatchSource source;
    private final long seed;
    private final Function<Batch, Map<String, INDArray>> feeds;
    private long batchesDrawn;

    private DatasetTrainingBatches(BatchSource source, long seed, long batchesDrawn,
                                   Function<Batch, Map<String, INDArray>> feeds) {
        this.source = source;
        this.seed = seed;
        this.batchesDrawn = batchesDrawn;
        this.feeds = feeds;
    }

    /**
     * The stream from its start, or continuing where a checkpointed one stopped.
     *
     * @param source     a new source ordered by {@code seed}, at its start
     * @param seed       the run's seed, which ordered {@code source}
     * @param resumeFrom the state a checkpoint saved, or null to start
     * @param feeds      the graph's placeholder values for a batch
     * @throws IllegalArgumentException if {@code resumeFrom} is of another seed
     */
    public static DatasetTrainingBatches open(BatchSource source, long seed, TaskStream.@Nullable State resumeFrom,
                                              Function<Batch, Map<String, INDArray>> feeds) {
        long drawn = 0;
        if (resumeFrom != null) {
            if (resumeFrom.generatorState() != seed) {
                throw new IllegalArgumentException("the checkpointed stream is of seed " + resumeFrom.generatorState()
                        + ", the run's seed is " + seed);
            }
            drawn = resumeFrom.batchesDrawn();
            source.restore(source.stateAfter(drawn));
        }
        return new DatasetTrainingBatches(source, seed, drawn, feeds);
    }

    @Override
    public Map<String, INDArray> next() {
        batchesDrawn++;
        return feeds.apply(source.next());
    }

    @Override
    public TaskStream.State state() {
        return new TaskStream.State(seed, batchesDrawn);
    }
}
