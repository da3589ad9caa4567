package org.ssm4j.datasets.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.ssm4j.datasets.Batch;
import org.ssm4j.datasets.BatchOptions;
import org.ssm4j.datasets.BatchSource;
import org.ssm4j.datasets.DatasetFormatException;
import org.ssm4j.datasets.EpochBatches;
import org.ssm4j.datasets.IteratorState;

class LanguageModelWindowsTest {

    @TempDir
    Path temp;

    /** Token i is (i * 37) mod 1000: distinct for 1000 consecutive positions. */
    private static int[] stream(int length) {
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) {
            ids[i] = (i * 37) % 1000;
        }
        return ids;
    }

    @Test
    void windowsHoldInputsAndNextTokenTargetsAcrossRecordBatches() {
        int[] ids = stream(1000);
        Path file = TokenFiles.write(temp.resolve("tokens.arrow"), ids, 1000, 64);
        try (TokenDataset tokens = TokenDataset.open(file)) {
            LanguageModelWindows windows = new LanguageModelWindows(tokens, 16, 16);
            assertEquals((1000 - 1 - 16) / 16 + 1, windows.exampleCount());
            BatchSource source = new EpochBatches(windows, BatchOptions.training(8, 11));
            Set<Long> starts = new HashSet<>();
            for (int b = 0; b < source.batchesPerEpoch(); b++) {
                Batch batch = source.next();
                assertEquals(DataType.INT, batch.features().dataType());
                assertArrayEquals(new long[]{8, 16}, batch.features().shape());
                assertArrayEquals(new long[]{8, 16}, batch.labels().shape());
                assertEquals(8 * 16, batch.featuresMask().sumNumber().intValue());
                for (int row = 0; row < 8; row++) {
                    int[] inputs = batch.features().getRow(row).toIntVector();
                    int[] targets = batch.labels().getRow(row).toIntVector();
                    int start = position(ids, inputs[0]);
                    assertEquals(0, start % 16, "windows start at multiples of the stride");
                    assertArrayEquals(Arrays.copyOfRange(ids, start, start + 16), inputs);
                    assertArrayEquals(Arrays.copyOfRange(ids, start + 1, start + 17), targets);
                    assertTrue(starts.add((long) start), "each window once per epoch");
                }
            }
            assertEquals(source.batchesPerEpoch() * 8, starts.size());
        }
    }

    private static int position(int[] ids, int value) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == value) {
                return i;
            }
        }
        throw new AssertionError("id " + value + " is not in the stream");
    }

    @Test
    void overlappingWindowsAndResumeGiveTheSameBatches() {
        Path file = TokenFiles.write(temp.resolve("tokens.arrow"), stream(500), 1000, 50);
        try (TokenDataset tokens = TokenDataset.open(file)) {
            LanguageModelWindows windows = new LanguageModelWindows(tokens, 10, 3);
            assertEquals((500 - 1 - 10) / 3 + 1, windows.exampleCount());
            assertEquals(3 * 7, windows.windowStart(7));
            BatchSource straight = new EpochBatches(windows, BatchOptions.training(4, 5));
            for (int i = 0; i < 50; i++) {
                straight.next();
            }
            IteratorState checkpoint = straight.state();
            Batch expected = straight.next();
            BatchSource resumed = new EpochBatches(windows, BatchOptions.training(4, 5));
            resumed.restore(checkpoint);
            Batch actual = resumed.next();
            assertEquals(expected.features(), actual.features());
            assertEquals(expected.labels(), actual.labels());
        }
    }

    @Test
    void aStreamShorterThanOneWindowIsRejected() {
        Path file = TokenFiles.write(temp.resolve("short.arrow"), stream(10), 1000, 50);
        try (TokenDataset tokens = TokenDataset.open(file)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new LanguageModelWindows(tokens, 10, 10));
            assertTrue(e.getMessage().contains("holds 10 tokens, fewer than one window of 10 inputs + 1 target"),
                    e.getMessage());
        }
    }

    @Test
    void idsOutsideTheVocabularyAreNamed() {
        Path file = TokenFiles.write(temp.resolve("bad.arrow"), new int[]{1, 2, 12, 3}, 10, 2);
        try (TokenDataset tokens = TokenDataset.open(file)) {
            DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> tokens.get(2));
            assertEquals(file + ": token id at position 2: expected 0..9, actual 12", e.getMessage());
            assertEquals(3, tokens.get(3));
        }
    }
}
