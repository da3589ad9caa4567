package org.ssm4j.datasets.image;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * The content of an unsigned-byte IDX file: its dimensions and its values in row-major order.
 */
public final class IdxArray {

    private final Path file;
    private final int[] shape;
    private final byte[] data;

    IdxArray(Path file, int[] shape, byte[] data) {
        this.file = file;
        this.shape = shape.clone();
        this.data = data;
    }

    /** @return the file it was read from */
    public Path file() {
        return file;
    }

    /** @return the dimensions, outermost first (e.g. {@code [60000, 28, 28]}) */
    public int[] shape() {
        return shape.clone();
    }

    /**
     * @param dimension a dimension index
     * @return its size
     */
    public int size(int dimension) {
        return shape[dimension];
    }

    /** @return the number of values per item: the product of all dimensions but the first */
    public int itemSize() {
        int size = 1;
        for (int d = 1; d < shape.length; d++) {
            size *= shape[d];
        }
        return size;
    }

    /**
     * @param index a flat value index
     * @return the unsigned value there
     */
    public int get(int index) {
        return data[index] & 0xFF;
    }

    /**
     * @param item an item index along the first dimension
     * @return a copy of the item's values
     */
    public byte[] item(int item) {
        int size = itemSize();
        return Arrays.copyOfRange(data, item * size, (item + 1) * size);
    }
}
