package org.ssm4j.mamba.generate;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A dense row-major float32 ND4J array together with a {@link MemorySegment} over its native
 * memory: ND4J's matrix products (OpenBLAS) and ssm4j's Vector API kernels work on the same
 * bytes without copies. The segment is valid as long as this object is reachable.
 */
final class FloatTensor {

    final INDArray array;
    final MemorySegment segment;

    private FloatTensor(INDArray array) {
        this.array = array;
        long bytes = array.length() * Float.BYTES;
        this.segment = MemorySegment.ofAddress(array.data().address() + array.offset() * Float.BYTES).reinterpret(bytes);
    }

    /** A new tensor of this shape; its contents are undefined. */
    static FloatTensor allocate(long... shape) {
        return new FloatTensor(Nd4j.createUninitializedDetached(DataType.FLOAT, shape));
    }

    /** A new tensor of this shape filled with zeros. */
    static FloatTensor zeros(long... shape) {
        return new FloatTensor(Nd4j.create(DataType.FLOAT, shape));
    }

    /**
     * {@code source} as a dense float32 tensor of this shape: the same memory when it already
     * is dense row-major float32 (a whole array or a block of whole rows), else a copy.
     */
    static FloatTensor of(INDArray source, long... shape) {
        if (source.length() != Arrays.stream(shape).reduce(1, Math::multiplyExact)) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(source.shape()) + " to "
                    + Arrays.toString(shape));
        }
        boolean dense = source.dataType() == DataType.FLOAT && source.ordering() == 'c'
                && (source.length() == 1 || source.elementWiseStride() == 1);
        INDArray array = dense ? source.reshape('c', shape) : source.castTo(DataType.FLOAT).dup('c').reshape('c', shape);
        if (array.dataType() != DataType.FLOAT || array.ordering() != 'c' || array.elementWiseStride() != 1
                || (dense && array.data().address() != source.data().address())) {
            array = source.castTo(DataType.FLOAT).dup('c').reshape('c', shape);
        }
        return new FloatTensor(array);
    }

    /**
     * Frees the native memory now instead of when the garbage collector finds the array, for
     * buffers this class allocated; the segment is invalid afterwards.
     */
    void free() {
        if (array.closeable()) {
            array.close();
        }
    }

    /** The element at a flat index (for tests and small reads). */
    float get(long index) {
        return segment.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, index);
    }
}
