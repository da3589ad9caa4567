package org.ssm4j.experiments.tasks;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyntheticTasksTest {

    @Test
    void selectiveCopyingScattersDataTokensInNoiseThenAsksForThemInOrderAfterMarkers() {
        SelectiveCopyingTask task = new SelectiveCopyingTask(16, 16);
        int length = 100;
        TaskBatch batch = task.sample(50, length, new SplitMix64(3));
        boolean[] positionUsed = new boolean[length - 16];
        for (int b = 0; b < batch.batchSize(); b++) {
            int offset = b * length;
            List<Integer> data = new ArrayList<>();
            for (int i = 0; i < length - 16; i++) {
                int token = batch.inputs()[offset + i];
                assertEquals(TaskBatch.NO_ANSWER, batch.targets()[offset + i], "no answer inside the noise region");
                if (token != SelectiveCopyingTask.NOISE) {
                    assertTrue(token >= 1 && token <= 14, "data tokens are 1..14, got " + token);
                    data.add(token);
                    positionUsed[i] = true;
                }
            }
            assertEquals(16, data.size(), "exactly 16 data tokens in the noise region");
            for (int i = 0; i < 16; i++) {
                assertEquals(task.marker(), batch.inputs()[offset + length - 16 + i], "markers fill the last 16 positions");
                assertEquals(data.get(i), batch.targets()[offset + length - 16 + i], "i-th marker asks for the i-th data token");
            }
        }
        int used = 0;
        for (boolean u : positionUsed) {
            used += u ? 1 : 0;
        }
        assertTrue(used > 70, "data positions vary between sequences: only " + used + " of 84 positions ever used");
        assertEquals(50 * 16, batch.answerCount());
    }

    @Test
    void selectiveCopyingAtItsMinimumLengthHasNoNoise() {
        SelectiveCopyingTask task = new SelectiveCopyingTask(8, 4);
        TaskBatch batch = task.sample(5, 8, new SplitMix64(1));
        for (int i = 0; i < batch.inputs().length; i++) {
            assertNotEquals(SelectiveCopyingTask.NOISE, batch.inputs()[i]);
        }
        assertThrows(IllegalArgumentException.class, () -> task.sample(1, 7, new SplitMix64(1)));
    }

    @Test
    void inductionHeadsPlantsTheTriggerOnceAndAsksAtTheEndForTheTokenThatFollowedIt() {
        InductionHeadsTask task = new InductionHeadsTask(16);
        int length = 64;
        TaskBatch batch = task.sample(200, length, new SplitMix64(5));
        int[] answerCounts = new int[16];
        for (int b = 0; b < batch.batchSize(); b++) {
            int offset = b * length;
            int triggerPosition = -1;
            for (int i = 0; i < length - 1; i++) {
                int token = batch.inputs()[offset + i];
                if (token == task.trigger()) {
                    assertEquals(-1, triggerPosition, "one trigger before the final one");
                    triggerPosition = i;
                } else {
                    assertTrue(token >= 0 && token < task.contentTokens(), "content tokens are 0..13, got " + token);
                }
                assertEquals(TaskBatch.NO_ANSWER, batch.targets()[offset + i]);
            }
            assertTrue(triggerPosition >= 0 && triggerPosition < length - 3, "trigger at " + triggerPosition);
            assertEquals(task.trigger(), batch.inputs()[offset + length - 1], "the sequence ends with the trigger");
            int answer = batch.targets()[offset + length - 1];
            assertEquals(batch.inputs()[offset + triggerPosition + 1], answer);
            answerCounts[answer]++;
        }
        for (int t = 0; t < task.contentTokens(); t++) {
            assertTrue(answerCounts[t] > 0, "every content token is asked for sometimes; token " + t + " never");
        }
        assertEquals(0, answerCounts[14] + answerCounts[15], "no-op and trigger are never answers");
    }

    @Test
    void sameSeedGivesSameBatchesAndDifferentSeedsDifferentOnes() {
        for (SyntheticTask task : List.of(new SelectiveCopyingTask(16, 16), new InductionHeadsTask(16))) {
            TaskBatch a = task.sample(4, 64, new SplitMix64(9));
            TaskBatch b = task.sample(4, 64, new SplitMix64(9));
            TaskBatch c = task.sample(4, 64, new SplitMix64(10));
            assertEquals(a, b, task.name());
            assertNotEquals(a, c, task.name());
        }
    }

    @Test
    void aStreamResumedFromItsStateContinuesWithTheSameBatches() {
        SyntheticTask task = new SelectiveCopyingTask(16, 4);
        TaskStream uninterrupted = TaskStream.start(task, 3, 20, 42);
        TaskStream first = TaskStream.start(task, 3, 20, 42);
        for (int i = 0; i < 5; i++) {
            assertEquals(uninterrupted.next(), first.next());
        }
        TaskStream resumed = TaskStream.resume(task, 3, 20, first.state());
        assertEquals(5, resumed.state().batchesDrawn());
        for (int i = 0; i < 5; i++) {
            assertEquals(uninterrupted.next(), resumed.next());
        }
        assertEquals(uninterrupted.state(), resumed.state());
    }

    @Test
    void splitMixIntegersAreInRangeAndCoverIt() {
        SplitMix64 rng = new SplitMix64(1);
        int[] counts = new int[7];
        for (int i = 0; i < 70_000; i++) {
            counts[rng.nextInt(7)]++;
        }
        for (int c : counts) {
            assertTrue(Math.abs(c - 10_000) < 500, "roughly uniform: " + java.util.Arrays.toString(counts));
        }
        assertThrows(IllegalArgumentException.class, () -> rng.nextInt(0));
        SplitMix64 a = SplitMix64.forStream(5, 1);
        SplitMix64 b = SplitMix64.forStream(5, 2);
        assertFalse(a.nextLong() == b.nextLong(), "streams of one seed differ");
        long[] first = {new SplitMix64(77).nextLong(), new SplitMix64(77).nextLong()};
        assertArrayEquals(new long[]{first[0], first[0]}, first);
    }

    @Test
    void gaussiansHaveUnitVariance() {
        SplitMix64 rng = new SplitMix64(2);
        double sum = 0;
        double sumSquares = 0;
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            double g = rng.nextGaussian();
            sum += g;
            sumSquares += g * g;
        }
        assertEquals(0, sum / n, 0.02);
        assertEquals(1, sumSquares / n, 0.02);
    }
}
