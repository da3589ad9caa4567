package org.ssm4j.datasets.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.arrow.vector.IntVector;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ssm4j.datasets.Batch;
import org.ssm4j.datasets.BatchOptions;
import org.ssm4j.datasets.EpochBatches;
import org.ssm4j.datasets.arrow.ArrowDatasetWriter;

/**
 * Token files read through one memory mapping, whatever their size: the same code path with a
 * small file (default run) and with a file over 2 GiB, beyond a {@code MappedByteBuffer}'s reach
 * (tagged slow).
 */
class LargeTokenFileTest {

    private static final int VOCAB = 50_280;

    @TempDir
    Path temp;

    /** A token that depends on all bits of its position, so that a wrong offset shows. */
    private static int tokenAt(long position) {
        long z = (position + 1) * 0x9E3779B97F4A7C15L;
        return (int) ((z >>> 33) % VOCAB);
    }

    private static void writeAndCheck(Path file, long tokens, int perBatch) throws IOException {
        try (ArrowDatasetWriter writer = ArrowDatasetWriter.create(file, TokenDataset.schema("test", VOCAB))) {
            IntVector ids = (IntVector) writer.root().getVector(TokenDataset.FIELD);
            for (long start = 0; start < tokens; start += perBatch) {
                int rows = (int) Math.min(perBatch, tokens - start);
                ids.allocateNew(rows);
                for (int i = 0; i < rows; i++) {
                    ids.set(i, tokenAt(start + i));
                }
                writer.writeBatch(rows);
            }
            writer.commit();
        }
        long bytes = Files.size(file);
        try (TokenDataset dataset = TokenDataset.open(file)) {
            assertEquals(tokens, dataset.size());
            // the last tokens, and a stretch across a record batch boundary near the end
            for (long position : new long[]{0, tokens / 2, tokens - perBatch - 3, tokens - 1}) {
                int length = (int) Math.min(7, tokens - position);
                int[] actual = new int[length];
                dataset.read(position, actual, 0, length);
                int[] expected = new int[length];
                for (int i = 0; i < length; i++) {
                    expected[i] = tokenAt(position + i);
                }
                assertArrayEquals(expected, actual, "tokens at " + position + " of a " + bytes + "-byte file");
            }
            LanguageModelWindows windows = new LanguageModelWindows(dataset, 64, 64);
            EpochBatches source = new EpochBatches(windows, BatchOptions.training(4, 1));
            Batch batch = source.next();
            int[] first = batch.features().getRow(0).toIntVector();
            int[] targets = batch.labels().getRow(0).toIntVector();
            assertEquals(first[1], targets[0]);
            assertEquals(first[63], targets[62]);
        }
    }

    @Test
    void aSmallFileThroughTheMapping() throws IOException {
        writeAndCheck(temp.resolve("small.arrow"), 100_003, 4096);
    }

    @Test
    @Tag("slow")
    void aFileOverTwoGigabytes() throws IOException {
        Path file = temp.resolve("large.arrow");
        long tokens = (1L << 29) + (1L << 21);
        writeAndCheck(file, tokens, 1 << 22);
        assertTrue(Files.size(file) > (1L << 31), "larger than 2 GiB: " + Files.size(file));
        Files.delete(file);
    }
}
