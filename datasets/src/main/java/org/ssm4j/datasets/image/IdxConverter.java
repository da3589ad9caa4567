package org.ssm4j.datasets.image;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.UInt1Vector;
import org.apache.arrow.vector.types.pojo.Schema;
import org.ssm4j.datasets.DatasetCard;
import org.ssm4j.datasets.DatasetFormatException;
import org.ssm4j.datasets.FileDigests;
import org.ssm4j.datasets.ProgressListener;
import org.ssm4j.datasets.arrow.ArrowDatasetWriter;

/**
 * Converts an MNIST-layout IDX directory (MNIST, Fashion-MNIST, ...) into {@code train.arrow}
 * and {@code test.arrow} (see {@link ImageDataset} for the layout), keeping the files' image
 * order, plus a {@link DatasetCard}.
 */
public final class IdxConverter {

    /** The training split's file name. */
    public static final String TRAIN_FILE = "train.arrow";
    /** The test split's file name. */
    public static final String TEST_FILE = "test.arrow";

    private IdxConverter() {
    }

    /**
     * @param preparation input directory, output directory, batch size
     * @param progress told about the images written
     * @return the card written beside the image files
     */
    public static DatasetCard convert(IdxPreparation preparation, ProgressListener progress) {
        Path input = preparation.inputDir();
        if (!Files.isDirectory(input)) {
            throw new IllegalArgumentException("IDX input directory does not exist: " + input);
        }
        Path trainImagesFile = find(input, "train", "images", 3);
        Path trainLabelsFile = find(input, "train", "labels", 1);
        Path testImagesFile = find(input, "t10k", "images", 3);
        Path testLabelsFile = find(input, "t10k", "labels", 1);

        progress.begin("reading IDX files", 4, "files");
        IdxArray trainImages = IdxFile.read(trainImagesFile, 3);
        progress.advance(1);
        IdxArray trainLabels = IdxFile.read(trainLabelsFile, 1);
        progress.advance(1);
        IdxArray testImages = IdxFile.read(testImagesFile, 3);
        progress.advance(1);
        IdxArray testLabels = IdxFile.read(testLabelsFile, 1);
        progress.advance(1);
        progress.end();
        requireSameCount(trainImages, trainLabels);
        requireSameCount(testImages, testLabels);
        int rows = trainImages.size(1);
        int cols = trainImages.size(2);
        if (testImages.size(1) != rows || testImages.size(2) != cols) {
            throw DatasetFormatException.mismatch(testImagesFile, "image size (that of the training images)",
                    rows + "x" + cols, testImages.size(1) + "x" + testImages.size(2));
        }

        Schema schema = ImageDataset.schema(rows, cols);
        progress.begin("writing image files", (long) trainImages.size(0) + testImages.size(0), "images");
        List<DatasetCard.SplitFile> splits = List.of(
                write("train", preparation.outputDir().resolve(TRAIN_FILE), schema, trainImages, trainLabels,
                        preparation.imagesPerBatch(), progress),
                write("test", preparation.outputDir().resolve(TEST_FILE), schema, testImages, testLabels,
                        preparation.imagesPerBatch(), progress));
        progress.end();

        List<DatasetCard.InputFile> inputs = new ArrayList<>();
        for (Path file : List.of(trainImagesFile, trainLabelsFile, testImagesFile, testLabelsFile)) {
            inputs.add(DatasetCard.InputFile.of(file));
        }
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("rows", Integer.toString(rows));
        properties.put("cols", Integer.toString(cols));
        properties.put("images_per_record_batch", Integer.toString(preparation.imagesPerBatch()));
        DatasetCard card = DatasetCard.of(
                preparation.outputDir(),
                "images",
                "Grey " + rows + "x" + cols + " images from IDX files, in file order: column '"
                        + ImageDataset.IMAGE_FIELD + "' holds the unsigned bytes row by row, column '"
                        + ImageDataset.LABEL_FIELD + "' the class.",
                preparation.provenance(),
                schema,
                properties,
                inputs,
                splits);
        card.writeTo(preparation.outputDir());
        return card;
    }

    /** The first existing spelling of an IDX file: {@code prefix-kind-idxN-ubyte} or {@code prefix-kind.idxN-ubyte}, plain or gzipped. */
    static Path find(Path dir, String prefix, String kind, int dimensions) {
        String base = prefix + "-" + kind + "-idx" + dimensions + "-ubyte";
        String dotted = prefix + "-" + kind + ".idx" + dimensions + "-ubyte";
        for (String name : List.of(base, base + ".gz", dotted, dotted + ".gz")) {
            Path candidate = dir.resolve(name);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalArgumentException("IDX directory " + dir + " lacks " + base + "[.gz] (or " + dotted
                + "[.gz])");
    }

    private static void requireSameCount(IdxArray images, IdxArray labels) {
        if (images.size(0) != labels.size(0)) {
            throw DatasetFormatException.mismatch(labels.file(), "label count (the image count of "
                    + images.file().getFileName() + ")", images.size(0), labels.size(0));
        }
    }

    private static DatasetCard.SplitFile write(String split, Path target, Schema schema, IdxArray images,
                                               IdxArray labels, int imagesPerBatch, ProgressListener progress) {
        int count = images.size(0);
        Map<Integer, Long> perLabel = new TreeMap<>();
        try (ArrowDatasetWriter writer = ArrowDatasetWriter.create(target, schema)) {
            FixedSizeBinaryVector imageVector = (FixedSizeBinaryVector) writer.root().getVector(ImageDataset.IMAGE_FIELD);
            UInt1Vector labelVector = (UInt1Vector) writer.root().getVector(ImageDataset.LABEL_FIELD);
            for (int start = 0; start < count; start += imagesPerBatch) {
                int rows = Math.min(imagesPerBatch, count - start);
                imageVector.allocateNew(rows);
                labelVector.allocateNew(rows);
                for (int r = 0; r < rows; r++) {
                    imageVector.set(r, images.item(start + r));
                    int label = labels.get(start + r);
                    labelVector.set(r, label);
                    perLabel.merge(label, 1L, Long::sum);
                }
                writer.writeBatch(rows);
                progress.advance(rows);
            }
            writer.commit();
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("images", (long) count);
        perLabel.forEach((label, n) -> counts.put("label_" + label, n));
        return new DatasetCard.SplitFile(split, target.getFileName().toString(), count, FileDigests.sha256(target),
                counts);
    }
}
