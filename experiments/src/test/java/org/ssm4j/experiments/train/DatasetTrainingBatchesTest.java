package org.ssm4j.experiments.train;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.datasets.Batch;
import org.ssm4j.datasets.BatchOptions;
import org.ssm4j.datasets.EpochBatches;
import org.ssm4j.datasets.ExampleCollator;
import org.ssm4j.experiments.tasks.TaskStream;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetTrainingBatchesTest {

    /** Example i is the single feature i. */
    private static final ExampleCollator EXAMPLES = new ExampleCollator() {
        @Override
        public int exampleCount() {
            return 10;
        }

        @Override
        public Batch collate(int[] examples) {
            INDArray ids = Nd4j.createFromArray(examples);
            INDArray ones = Nd4j.ones(examples.length);
            return new Batch(ids, ids, ones, ones);
        }
    };

    private static DatasetTrainingBatches open(long seed, TaskStream.State resumeFrom) {
        return DatasetTrainingBatches.open(new EpochBatches(EXAMPLES, BatchOptions.training(3, seed)), seed, resumeFrom,
                batch -> Map.of("x", batch.features()));
    }

    private static int[] next(DatasetTrainingBatches batches) {
        return batches.next().get("x").toIntVector();
    }

    @Test
    void aResumedStreamContinuesWhereTheCheckpointedOneStopped() {
        DatasetTrainingBatches uninterrupted = open(42, null);
        DatasetTrainingBatches first = open(42, null);
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(next(uninterrupted), next(first));
        }
        assertEquals(new TaskStream.State(42, 4), first.state());
        DatasetTrainingBatches resumed = open(42, first.state());
        assertEquals(first.state(), resumed.state());
        for (int i = 0; i < 7; i++) {
            int[] expected = next(uninterrupted);
            assertArrayEquals(expected, next(resumed), "batch " + (5 + i) + " " + Arrays.toString(expected));
        }
        assertEquals(uninterrupted.state(), resumed.state());
    }

    @Test
    void aCheckpointOfAnotherSeedIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> open(42, new TaskStream.State(7, 2)));
        assertTrue(e.getMessage().contains("seed 7") && e.getMessage().contains("seed is 42"), e.getMessage());
    }
}
