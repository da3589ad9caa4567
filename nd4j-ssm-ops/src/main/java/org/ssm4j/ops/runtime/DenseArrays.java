package org.ssm4j.ops.runtime;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.foreign.MemorySegment;

/**
 * Bridges ND4J arrays and the kernels' dense row-major buffers: dense arrays are used in
 * place through a {@link MemorySegment} over their native memory; any other array (a strided
 * or permuted view) goes through a dense copy.
 */
public final class DenseArrays {

    private DenseArrays() {
    }

    /** Whether {@code array}'s elements are contiguous in row-major order (size-1 axes' strides do not matter). */
    public static boolean isDense(INDArray array) {
        if (array.isEmpty()) {
            return true;
        }
        long[] shape = array.shape();
        long[] stride = array.stride();
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /** {@code array} itself if it is dense, else a dense row-major copy. */
    public static INDArray dense(INDArray array) {
        return isDense(array) ? array : array.dup('c');
    }

    /**
     * The native memory of a dense array, {@code length × element size} bytes from its first
     * element; valid while the array is alive.
     *
     * @throws IllegalArgumentException if the array is not dense
     */
    public static MemorySegment segment(INDArray dense) {
        if (!isDense(dense)) {
            throw new IllegalArgumentException("Array of shape " + java.util.Arrays.toString(dense.shape())
                    + " and strides " + java.util.Arrays.toString(dense.stride()) + " is not dense row-major");
        }
        long elementBytes = dense.dataType().width();
        long bytes = dense.length() * elementBytes;
        if (bytes == 0) {
            return MemorySegment.NULL;
        }
        long address = dense.data().address() + dense.offset() * elementBytes;
        return MemorySegment.ofAddress(address).reinterpret(bytes);
    }

    /**
     * Where a kernel writes a result for {@code target}: the target itself when it is dense,
     * else a dense temporary that {@link Output#commit()} copies into the target.
     */
    public static Output output(INDArray target) {
        if (isDense(target)) {
            return new Output(target, target);
        }
        return new Output(target, Nd4j.createUninitialized(target.dataType(), target.shape(), 'c'));
    }

    /** A kernel's output buffer bound to the array it belongs in. */
    public static final class Output {
        private final INDArray target;
        private final INDArray dense;

        private Output(INDArray target, INDArray dense) {
            this.target = target;
            this.dense = dense;
        }

        /** The buffer the kernel writes. */
        public MemorySegment segment() {
            return DenseArrays.segment(dense);
        }

        /** Copies the written buffer into the target if they differ. */
        public void commit() {
            if (dense != target) {
                target.assign(dense);
            }
        }
    }
}
