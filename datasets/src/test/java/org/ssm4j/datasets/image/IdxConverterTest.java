package org.ssm4j.datasets.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.ssm4j.datasets.Batch;
import org.ssm4j.datasets.BatchOptions;
import org.ssm4j.datasets.BatchSource;
import org.ssm4j.datasets.DatasetCard;
import org.ssm4j.datasets.DatasetFormatException;
import org.ssm4j.datasets.ProgressListener;
import org.ssm4j.datasets.Provenance;
import org.ssm4j.datasets.RecordingProgress;
import org.ssm4j.testing.SharedData;

class IdxConverterTest {

    @TempDir
    Path temp;

    @Test
    void mnistRoundTripsImageByImage() {
        Path mnist = SharedData.dataset("mnist");
        Path out = temp.resolve("mnist");
        DatasetCard card = IdxConverter.convert(new IdxPreparation(mnist, out, 7000, new Provenance("test", "CC BY-SA 3.0")),
                ProgressListener.NONE);
        IdxArray trainImages = IdxFile.read(mnist.resolve("train-images-idx3-ubyte.gz"), 3);
        IdxArray trainLabels = IdxFile.read(mnist.resolve("train-labels-idx1-ubyte.gz"), 1);
        IdxArray testImages = IdxFile.read(mnist.resolve("t10k-images-idx3-ubyte.gz"), 3);
        IdxArray testLabels = IdxFile.read(mnist.resolve("t10k-labels-idx1-ubyte.gz"), 1);
        assertArrayEquals(new int[]{60_000, 28, 28}, trainImages.shape());
        assertArrayEquals(new int[]{10_000, 28, 28}, testImages.shape());
        assertRoundTrip(out.resolve(IdxConverter.TRAIN_FILE), trainImages, trainLabels);
        assertRoundTrip(out.resolve(IdxConverter.TEST_FILE), testImages, testLabels);

        assertEquals(60_000, card.splits().get(0).rows());
        assertEquals(10_000, card.splits().get(1).rows());
        // the well-known class sizes of MNIST's test set
        assertEquals(980L, card.splits().get(1).counts().get("label_0"));
        assertEquals(1135L, card.splits().get(1).counts().get("label_1"));
        assertEquals(1009L, card.splits().get(1).counts().get("label_9"));
        assertEquals("CC BY-SA 3.0", card.license());
        assertEquals(4, card.inputs().size());
    }

    private static void assertRoundTrip(Path file, IdxArray images, IdxArray labels) {
        try (ImageDataset dataset = ImageDataset.open(file)) {
            assertEquals(images.size(0), dataset.size());
            assertEquals(28, dataset.rows());
            assertEquals(28, dataset.cols());
            byte[] image = new byte[784];
            for (int i = 0; i < dataset.size(); i++) {
                dataset.readImage(i, image, 0);
                assertArrayEquals(images.item(i), image, "image " + i);
                assertEquals(labels.get(i), dataset.label(i), "label " + i);
            }
        }
    }

    @Test
    void fashionMnistTestSetHasTenBalancedClasses() {
        Path fashion = SharedData.dataset("fashion-mnist");
        IdxArray images = IdxFile.read(fashion.resolve("t10k-images-idx3-ubyte.gz"), 3);
        IdxArray labels = IdxFile.read(fashion.resolve("t10k-labels-idx1-ubyte.gz"), 1);
        assertArrayEquals(new int[]{10_000, 28, 28}, images.shape());
        int[] perClass = new int[10];
        for (int i = 0; i < labels.size(0); i++) {
            perClass[labels.get(i)]++;
        }
        int[] thousand = new int[10];
        Arrays.fill(thousand, 1000);
        assertArrayEquals(thousand, perClass);
    }

    @Test
    void imageBatchesScalePixelsAndCarryLabels() {
        Path dir = writeTinyIdxDirectory(temp.resolve("tiny"), 2, 3, 5, 4);
        Path out = temp.resolve("tiny-out");
        RecordingProgress progress = new RecordingProgress();
        IdxConverter.convert(new IdxPreparation(dir, out, 2, Provenance.of("test")), progress);
        assertTrue(progress.allComplete(), progress.tasks().toString());
        assertEquals(9, progress.tasks().getLast().total(), "5 + 4 images written");
        try (ImageDataset images = ImageDataset.open(out.resolve(IdxConverter.TRAIN_FILE))) {
            BatchSource source = ImageBatches.batches(images, BatchOptions.evaluation(3));
            Batch first = source.next();
            assertArrayEquals(new long[]{3, 2, 3}, first.features().shape());
            assertEquals(DataType.FLOAT, first.features().dataType());
            assertArrayEquals(new long[]{3, 2}, first.featuresMask().shape());
            assertArrayEquals(new int[]{0, 1, 2}, first.labels().toIntVector());
            // image i, pixel p holds (i * 40 + p * 7) mod 256
            for (int i = 0; i < 3; i++) {
                for (int p = 0; p < 6; p++) {
                    float expected = ((i * 40 + p * 7) % 256) / 255f;
                    assertEquals(expected, first.features().getFloat(i, p / 3, p % 3), 0f);
                }
            }
            Batch second = source.next();
            assertEquals(2, second.size());
            assertArrayEquals(new int[]{3, 4}, second.labels().toIntVector());
        }
    }

    /** Writes gzipped train files with {@code trainCount} images and plain t10k files with {@code testCount}. */
    private static Path writeTinyIdxDirectory(Path dir, int rows, int cols, int trainCount, int testCount) {
        try {
            Files.createDirectories(dir);
            writeIdx(dir.resolve("train-images-idx3-ubyte.gz"), true, new int[]{trainCount, rows, cols},
                    pixels(trainCount * rows * cols, rows * cols));
            writeIdx(dir.resolve("train-labels-idx1-ubyte.gz"), true, new int[]{trainCount}, labels(trainCount));
            writeIdx(dir.resolve("t10k-images-idx3-ubyte"), false, new int[]{testCount, rows, cols},
                    pixels(testCount * rows * cols, rows * cols));
            writeIdx(dir.resolve("t10k-labels-idx1-ubyte"), false, new int[]{testCount}, labels(testCount));
            return dir;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] pixels(int count, int perImage) {
        byte[] data = new byte[count];
        for (int v = 0; v < count; v++) {
            data[v] = (byte) ((v / perImage) * 40 + (v % perImage) * 7);
        }
        return data;
    }

    private static byte[] labels(int count) {
        byte[] data = new byte[count];
        for (int i = 0; i < count; i++) {
            data[i] = (byte) i;
        }
        return data;
    }

    private static byte[] idxBytes(int magic, int[] shape, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        for (int size : shape) {
            out.writeInt(size);
        }
        out.write(data);
        return bytes.toByteArray();
    }

    private static void writeIdx(Path file, boolean gzip, int[] shape, byte[] data) throws IOException {
        byte[] content = idxBytes(0x0800 | shape.length, shape, data);
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
            out.write(content);
        }
    }

    @Test
    void aWrongMagicNumberIsNamed() throws IOException {
        Path file = temp.resolve("images-idx3-ubyte");
        Files.write(file, idxBytes(0x0801, new int[]{1}, new byte[1]));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> IdxFile.read(file, 3));
        assertEquals(file + ": IDX magic number: expected 0x00000803 (unsigned bytes, 3 dimensions), actual"
                + " 0x00000801", e.getMessage());
    }

    @Test
    void truncatedDataIsNamedWithExpectedAndActualBytes() throws IOException {
        Path plain = temp.resolve("cut-idx3-ubyte");
        byte[] whole = idxBytes(0x0803, new int[]{2, 4, 4}, new byte[32]);
        Files.write(plain, Arrays.copyOf(whole, whole.length - 5));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> IdxFile.read(plain, 3));
        assertEquals(plain + ": data bytes after the header (the file is truncated): expected 32, actual 27",
                e.getMessage());

        Path header = temp.resolve("header-idx3-ubyte");
        Files.write(header, Arrays.copyOf(whole, 10));
        DatasetFormatException h = assertThrows(DatasetFormatException.class, () -> IdxFile.read(header, 3));
        assertTrue(h.getMessage().contains("the header ends before its size of dimension 1"), h.getMessage());

        Path gz = temp.resolve("cut-idx3-ubyte.gz");
        writeIdx(gz, true, new int[]{100, 28, 28}, new byte[78_400]);
        byte[] zipped = Files.readAllBytes(gz);
        Files.write(gz, Arrays.copyOf(zipped, zipped.length / 2));
        DatasetFormatException z = assertThrows(DatasetFormatException.class, () -> IdxFile.read(gz, 3));
        assertTrue(z.getMessage().startsWith(gz + ": corrupt or truncated gzip stream"), z.getMessage());
    }

    @Test
    void trailingBytesAreRejected() throws IOException {
        Path file = temp.resolve("long-idx1-ubyte");
        Files.write(file, idxBytes(0x0801, new int[]{3}, new byte[4]));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> IdxFile.read(file, 1));
        assertEquals(file + ": data bytes after the header: expected 3, actual more (trailing bytes)", e.getMessage());
    }

    @Test
    void labelCountMustMatchImageCount() throws IOException {
        Path dir = writeTinyIdxDirectory(temp.resolve("mismatch"), 2, 2, 4, 3);
        writeIdx(dir.resolve("t10k-labels-idx1-ubyte"), false, new int[]{2}, labels(2));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> IdxConverter.convert(
                IdxPreparation.of(dir, temp.resolve("out"), Provenance.of("test")), ProgressListener.NONE));
        assertEquals(dir.resolve("t10k-labels-idx1-ubyte") + ": label count (the image count of"
                + " t10k-images-idx3-ubyte): expected 3, actual 2", e.getMessage());
    }

    @Test
    void missingDirectoriesAndFilesAreNamed() throws IOException {
        Path missing = temp.resolve("nowhere");
        IllegalArgumentException dir = assertThrows(IllegalArgumentException.class, () -> IdxConverter.convert(
                IdxPreparation.of(missing, temp.resolve("out"), Provenance.of("test")), ProgressListener.NONE));
        assertEquals("IDX input directory does not exist: " + missing, dir.getMessage());
        Path partial = writeTinyIdxDirectory(temp.resolve("partial"), 2, 2, 4, 3);
        Files.delete(partial.resolve("t10k-images-idx3-ubyte"));
        IllegalArgumentException file = assertThrows(IllegalArgumentException.class, () -> IdxConverter.convert(
                IdxPreparation.of(partial, temp.resolve("out"), Provenance.of("test")), ProgressListener.NONE));
        assertTrue(file.getMessage().contains("lacks t10k-images-idx3-ubyte[.gz]"), file.getMessage());
    }
}
