package org.ssm4j.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class EpochBatchesTest {

    /** Examples whose features are their own indices, so batches show the order. */
    private static final class Indices implements ExampleCollator {
        private final int count;

        Indices(int count) {
            this.count = count;
        }

        @Override
        public int exampleCount() {
            return count;
        }

        @Override
        public Batch collate(int[] examples) {
            return new Batch(Nd4j.createFromArray(examples), Nd4j.createFromArray(examples),
                    Nd4j.ones(DataType.FLOAT, examples.length), Nd4j.ones(DataType.FLOAT, examples.length));
        }
    }

    private static List<int[]> take(BatchSource source, int batches) {
        List<int[]> taken = new ArrayList<>();
        for (int i = 0; i < batches; i++) {
            taken.add(source.next().features().toIntVector());
        }
        return taken;
    }

    private static int[] flatten(List<int[]> batches) {
        return batches.stream().flatMapToInt(Arrays::stream).toArray();
    }

    @Test
    void sameSeedSameOrderOtherSeedOtherOrder() {
        List<int[]> first = take(new EpochBatches(new Indices(100), BatchOptions.training(10, 42)), 30);
        List<int[]> again = take(new EpochBatches(new Indices(100), BatchOptions.training(10, 42)), 30);
        List<int[]> other = take(new EpochBatches(new Indices(100), BatchOptions.training(10, 43)), 30);
        assertArrayEquals(flatten(first), flatten(again));
        assertFalse(Arrays.equals(flatten(first), flatten(other)));
    }

    @Test
    void everyEpochIsADifferentPermutationOfAllExamples() {
        BatchSource source = new EpochBatches(new Indices(100), BatchOptions.training(10, 7));
        assertEquals(10, source.batchesPerEpoch());
        int[] epoch0 = flatten(take(source, 10));
        int[] epoch1 = flatten(take(source, 10));
        assertEquals(new IteratorState(2, 0, 7), source.state());
        assertArrayEquals(EpochOrder.identity(100), Arrays.stream(epoch0).sorted().toArray());
        assertArrayEquals(EpochOrder.identity(100), Arrays.stream(epoch1).sorted().toArray());
        assertFalse(Arrays.equals(epoch0, epoch1));
        assertFalse(Arrays.equals(EpochOrder.identity(100), epoch0), "shuffled");
        assertArrayEquals(EpochOrder.shuffled(100, 7, 1), epoch1);
    }

    @Test
    void restoringACheckpointContinuesWithTheSameBatches() {
        BatchSource uninterrupted = new EpochBatches(new Indices(37), BatchOptions.training(5, 2024));
        List<int[]> expected = take(uninterrupted, 25);

        BatchSource before = new EpochBatches(new Indices(37), BatchOptions.training(5, 2024));
        List<int[]> seen = new ArrayList<>(take(before, 11));
        String checkpoint = before.state().toJson();
        assertEquals("{\"epoch\":1,\"position\":20,\"seed\":2024}", checkpoint);

        BatchSource after = new EpochBatches(new Indices(37), BatchOptions.training(5, 1));
        after.restore(IteratorState.fromJson(checkpoint));
        seen.addAll(take(after, 14));
        assertArrayEquals(flatten(expected), flatten(seen));
    }

    @Test
    void aStepCountLeadsToTheSameState() {
        for (BatchOptions options : new BatchOptions[]{BatchOptions.training(5, 9), BatchOptions.evaluation(5)}) {
            BatchSource source = new EpochBatches(new Indices(23), options);
            for (int step = 0; step < 14; step++) {
                assertEquals(source.state(), source.stateAfter(step), "step " + step + " of " + options);
                source.next();
            }
            BatchSource resumed = new EpochBatches(new Indices(23), options);
            resumed.restore(resumed.stateAfter(14));
            assertArrayEquals(source.next().features().toIntVector(), resumed.next().features().toIntVector());
        }
    }

    @Test
    void dropLastServesOnlyFullBatches() {
        BatchSource source = new EpochBatches(new Indices(23), BatchOptions.training(5, 3));
        assertEquals(4, source.batchesPerEpoch());
        assertEquals(23, source.examplesPerEpoch());
        for (int[] batch : take(source, 12)) {
            assertEquals(5, batch.length);
        }
        assertEquals(new IteratorState(3, 0, 3), source.state());
    }

    @Test
    void evaluationVisitsEveryExampleInOrderWithASmallerLastBatch() {
        BatchSource source = new EpochBatches(new Indices(23), BatchOptions.evaluation(5));
        assertEquals(5, source.batchesPerEpoch());
        List<int[]> epoch = take(source, 5);
        assertEquals(3, epoch.get(4).length);
        assertArrayEquals(EpochOrder.identity(23), flatten(epoch));
        assertArrayEquals(new int[]{0, 1, 2, 3, 4}, source.next().features().toIntVector());
        assertEquals(new IteratorState(1, 5, 0), source.state());
    }

    @Test
    void epochOrdersDependOnSeedAndEpoch() {
        int[] a = EpochOrder.shuffled(1000, 5, 0);
        assertArrayEquals(a, EpochOrder.shuffled(1000, 5, 0));
        assertNotEquals(Arrays.toString(a), Arrays.toString(EpochOrder.shuffled(1000, 6, 0)));
        assertNotEquals(Arrays.toString(a), Arrays.toString(EpochOrder.shuffled(1000, 5, 1)));
        // java.util.Random's algorithm is specified: this order was computed independently (in Python).
        assertArrayEquals(new int[]{7, 1, 6, 2, 8, 4, 3, 0, 9, 5}, EpochOrder.shuffled(10, 0, 0));
    }

    @Test
    void invalidStatesAndOptionsAreRejected() {
        BatchSource source = new EpochBatches(new Indices(10), BatchOptions.training(5, 1));
        IllegalArgumentException beyond = assertThrows(IllegalArgumentException.class,
                () -> source.restore(new IteratorState(0, 11, 1)));
        assertTrue(beyond.getMessage().contains("position 11"), beyond.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new IteratorState(-1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> IteratorState.fromJson("{\"epoch\":\"x\"}"));
        assertThrows(IllegalArgumentException.class, () -> new BatchOptions(0, 0, true, true));
        IllegalArgumentException tooFew = assertThrows(IllegalArgumentException.class,
                () -> new EpochBatches(new Indices(3), BatchOptions.training(5, 1)));
        assertTrue(tooFew.getMessage().contains("batch size 5 exceeds the 3 examples"), tooFew.getMessage());
    }
}
