package org.ssm4j.datasets.image;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.ssm4j.datasets.DatasetFormatException;
import org.ssm4j.datasets.arrow.MappedArrowFile;
import org.ssm4j.datasets.arrow.SchemaCheck;

/**
 * A memory-mapped image file (one split of an image dataset): a non-null
 * {@code FixedSizeBinary(rows * cols)} column {@value #IMAGE_FIELD} with the grey values (0-255)
 * of each image in row-major order, and a non-null {@code uint8} column {@value #LABEL_FIELD};
 * the schema metadata {@value #ROWS_KEY} and {@value #COLS_KEY} give the image size.
 */
public final class ImageDataset implements AutoCloseable {

    /** The pixels column. */
    public static final String IMAGE_FIELD = "image";
    /** The class label column. */
    public static final String LABEL_FIELD = "label";
    /** Schema metadata: image height. */
    public static final String ROWS_KEY = "ssm4j.image.rows";
    /** Schema metadata: image width. */
    public static final String COLS_KEY = "ssm4j.image.cols";

    private final MappedArrowFile file;
    private final int rows;
    private final int cols;

    private ImageDataset(MappedArrowFile file, int rows, int cols) {
        if (file.rowCount() > Integer.MAX_VALUE) {
            throw DatasetFormatException.mismatch(file.path(), "row count", "at most " + Integer.MAX_VALUE,
                    file.rowCount());
        }
        this.file = file;
        this.rows = rows;
        this.cols = cols;
    }

    /**
     * @param rows image height
     * @param cols image width
     * @return the schema of an image file
     */
    public static Schema schema(int rows, int cols) {
        return new Schema(fields(rows, cols), Map.of(ROWS_KEY, Integer.toString(rows), COLS_KEY, Integer.toString(cols)));
    }

    private static List<Field> fields(int rows, int cols) {
        return List.of(
                Field.notNullable(IMAGE_FIELD, new ArrowType.FixedSizeBinary(rows * cols)),
                Field.notNullable(LABEL_FIELD, new ArrowType.Int(8, false)));
    }

    /**
     * Maps an image file.
     *
     * @param path the file
     * @return the dataset; close it to unmap
     */
    public static ImageDataset open(Path path) {
        MappedArrowFile file = MappedArrowFile.open(path);
        try {
            SchemaCheck.requireMetadata(file, List.of(ROWS_KEY, COLS_KEY));
            int rows = SchemaCheck.intMetadata(file, ROWS_KEY, 1);
            int cols = SchemaCheck.intMetadata(file, COLS_KEY, 1);
            if ((long) rows * cols > Integer.MAX_VALUE) {
                throw DatasetFormatException.mismatch(file.path(), "pixels per image (rows x cols)",
                        "at most " + Integer.MAX_VALUE, (long) rows * cols);
            }
            SchemaCheck.requireFields(file, fields(rows, cols));
            return new ImageDataset(file, rows, cols);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** @return the file */
    public Path path() {
        return file.path();
    }

    /** @return the number of images */
    public int size() {
        return (int) file.rowCount();
    }

    /** @return image height */
    public int rows() {
        return rows;
    }

    /** @return image width */
    public int cols() {
        return cols;
    }

    /**
     * @param index an image index
     * @return its label
     */
    public int label(int index) {
        int batch = file.batchOfRow(index);
        int row = (int) (index - file.firstRowOf(batch));
        return file.batch(batch).getVector(LABEL_FIELD).getDataBuffer().getByte(row) & 0xFF;
    }

    /**
     * Copies an image's {@code rows * cols} grey values (as unsigned bytes).
     *
     * @param index an image index
     * @param destination where to copy to
     * @param offset the first index in {@code destination}
     */
    public void readImage(int index, byte[] destination, int offset) {
        int batch = file.batchOfRow(index);
        int row = (int) (index - file.firstRowOf(batch));
        int size = rows * cols;
        file.batch(batch).getVector(IMAGE_FIELD).getDataBuffer().getBytes((long) row * size, destination, offset, size);
    }

    @Override
    public void close() {
        file.close();
    }
}
