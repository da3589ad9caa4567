package org.ssm4j.ops.runtime;

import org.jspecify.annotations.Nullable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Bridges ND4J arrays and the kernels' dense row-major buffers: dense arrays are used in
 * place through a {@link MemorySegment} over their native memory; any other array (a strided
 * or permuted view) goes through a dense copy. The backend's {@link HostMemory} is told of
 * every host read and write, so the same op code runs on a GPU backend's arrays.
 */
public final class DenseArrays {

    private static volatile HostMemory hostMemory = HostMemory.DIRECT;

    private DenseArrays() {
    }

    /** Set by {@link SsmRuntime} for the backend it installed on. */
    static void useHostMemory(HostMemory memory) {
        hostMemory = memory;
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

    /** Whether {@code array} is dense and starts at its buffer's first element (offset 0). */
    public static boolean isDenseFromStart(INDArray array) {
        return isDense(array) && array.offset() == 0;
    }

    /**
     * Rejects an array that {@link DeviceArrays} cannot take: one not dense or not starting at
     * its buffer's first element.
     *
     * @throws IllegalArgumentException naming the array's shape, strides and offset
     */
    public static void requireDenseFromStart(INDArray array) {
        if (!isDenseFromStart(array)) {
            throw new IllegalArgumentException("array of shape " + Arrays.toString(array.shape()) + ", strides "
                    + Arrays.toString(array.stride()) + " and offset " + array.offset()
                    + ": expected dense row-major from its buffer's start");
        }
    }

    /**
     * {@code array} itself if it is dense and starts at its buffer's first element, else a dense
     * row-major copy: what {@link DeviceArrays} take, whose addresses are those of whole buffers.
     */
    public static INDArray denseFromStart(INDArray array) {
        return isDenseFromStart(array) ? array : array.dup('c');
    }

    /**
     * The native memory of a dense array, {@code length × element size} bytes from its first
     * element; valid while the array is alive.
     *
     * @throws IllegalArgumentException if the array is not dense
     */
    public static MemorySegment segment(INDArray dense) {
        hostMemory.beforeHostRead(dense);
        if (!isDense(dense)) {
            throw new IllegalArgumentException("Array of shape " + Arrays.toString(dense.shape())
                    + " and strides " + Arrays.toString(dense.stride()) + " is not dense row-major");
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
     * Where a Java kernel writes a result for {@code target} ({@link Access#HOST}): the target
     * itself when it is dense, else a dense temporary that {@link Output#commit()} copies into the
     * target.
     */
    public static Output output(INDArray target) {
        return Access.HOST.output(target);
    }

    /**
     * Where kernels reach arrays: in {@link #HOST} memory, through {@link #segment}, or through a
     * GPU backend's {@link DeviceArrays} ({@link #DEVICE}), whose addresses are those of whole
     * buffers, so that an array must also start at its buffer's first element.
     */
    public enum Access {
        HOST, DEVICE;

        /** {@link #DEVICE} for a computation on {@code device}'s arrays, {@link #HOST} when it is null. */
        public static Access of(@Nullable DeviceArrays device) {
            return device == null ? HOST : DEVICE;
        }

        /** {@code array} itself if kernels can read it this way, else a dense row-major copy. */
        public INDArray dense(INDArray array) {
            return this == HOST ? DenseArrays.dense(array) : denseFromStart(array);
        }

        /**
         * Where kernels write a result for {@code target}: the target itself when they can write
         * it this way, else a dense temporary that {@link Output#commit} copies into the target.
         * On a backend with its own device copies ({@link HostMemory} other than
         * {@link HostMemory#DIRECT}) a Java kernel's target must also start at its buffer's first
         * element: a host write into a view of a larger buffer is left to the backend's own copy
         * ({@code assign}).
         */
        public Output output(INDArray target) {
            boolean inPlace = this == HOST && hostMemory == HostMemory.DIRECT ? isDense(target) : isDenseFromStart(target);
            return inPlace ? new Output(target, target) : new Output(target, temporary(target));
        }
    }

    private static INDArray temporary(INDArray target) {
        return Nd4j.createUninitialized(target.dataType(), target.shape(), 'c');
    }

    /** A kernel's output buffer bound to the array it belongs in. */
    public static final class Output {
        private final INDArray target;
        private final INDArray dense;

        private Output(INDArray target, INDArray dense) {
            this.target = target;
            this.dense = dense;
        }

        /** The host memory of the buffer a Java kernel writes; {@link #commit()} after writing. */
        public MemorySegment segment() {
            return DenseArrays.segment(dense);
        }

        /** The dense array the kernel writes (a device kernel, through {@link DeviceArrays}). */
        public INDArray array() {
            return dense;
        }

        /** After a Java kernel wrote {@link #segment()}: tells the backend, and copies into the target if they differ. */
        public void commit() {
            hostMemory.afterHostWrite(dense);
            copyToTarget();
        }

        /**
         * After kernels enqueued on {@code device}'s stream write {@link #array()}: tells the
         * backend, and copies into the target if they differ (an ND4J op, ordered after them).
         */
        public void commit(DeviceArrays device) {
            device.written(dense);
            copyToTarget();
        }

        private void copyToTarget() {
            if (dense != target) {
                target.assign(dense);
            }
        }
    }
}
