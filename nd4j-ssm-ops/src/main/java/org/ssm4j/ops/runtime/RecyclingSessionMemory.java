package org.ssm4j.ops.runtime;

import org.nd4j.autodiff.samediff.config.SDValue;
import org.nd4j.autodiff.samediff.internal.SessionMemMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The memory of one SameDiff session ({@link RecyclingSession}): the arrays a call allocated for
 * its own use are handed out again in the session's next call, instead of new ones.
 *
 * <p>SameDiff 1.0.0-M2.1 releases nothing during a gradient computation (it turns its array
 * cache off for them), so a training step allocated every activation and gradient afresh, and
 * libnd4j zero-fills each new buffer: on a 16-core machine that took most of a Mamba training
 * step (docs/benchmarks.md, "Training step"). Here an array is reused when it is free:
 * <ul>
 *   <li>at the end of the call that allocated it, unless its memory overlaps an array the call
 *       returns (an output, or a view of one);</li>
 *   <li>or when the session releases it during the call (inference calls do), if no other
 *       array shares its buffer, as SameDiff's own cache requires.</li>
 * </ul>
 * Outputs ({@code detached} allocations) are always new. A reused array holds the values its
 * last use left, as in SameDiff's own cache; it is looked up by element type and length and
 * reshaped when its shape differs. Free arrays that a whole call did not reuse are dropped
 * (the garbage collector frees them), so the memory kept between calls is one call's worth.
 *
 * <p>An array SameDiff hands to a listener during a call is therefore valid until the
 * session's next call; copy it to keep it longer. Not thread-safe: SameDiff keeps one session
 * per thread.
 */
final class RecyclingSessionMemory implements SessionMemMgr {

    /** Counts of what {@link #allocate} did: arrays handed out again, and new ones. */
    record Counts(long reused, long allocated) {
    }

    private record Key(DataType type, long length) {
    }

    /** A free array and the call that freed it. */
    private record Free(INDArray array, long call) {
    }

    private final Map<Key, ArrayDeque<Free>> free = new HashMap<>();
    /**
     * The arrays this call handed out for the session's own use: the object handed out
     * (possibly a reshaped view) to the array allocated.
     */
    private final Map<INDArray, INDArray> inUse = new IdentityHashMap<>();
    private long call;
    private long reused;
    private long allocated;

    /** Before a call: arrays freed before the previous call and not reused since are dropped. */
    void startCall() {
        call++;
        free.values().forEach(queue -> queue.removeIf(f -> f.call() < call - 1));
        free.values().removeIf(ArrayDeque::isEmpty);
    }

    /**
     * After a call that returns {@code outputs}: every array the call allocated for its own use
     * becomes free, except those whose memory overlaps an output's.
     */
    void endCall(Collection<SDValue> outputs) {
        List<long[]> escaping = new ArrayList<>();
        for (SDValue value : outputs) {
            for (INDArray array : arrays(value)) {
                if (array.data() != null) {
                    escaping.add(byteRange(array));
                }
            }
        }
        for (INDArray array : inUse.values()) {
            if (!overlapsAny(byteRange(array), escaping)) {
                makeFree(array);
            }
        }
        inUse.clear();
    }

    Counts counts() {
        return new Counts(reused, allocated);
    }

    @Override
    public INDArray allocate(boolean detached, DataType dataType, long... shape) {
        long length = 1;
        for (long size : shape) {
            length *= size;
        }
        if (detached || length == 0 || dataType == DataType.UTF8) {
            allocated++;
            return Nd4j.createUninitializedDetached(dataType, shape);
        }
        ArrayDeque<Free> queue = free.get(new Key(dataType, length));
        INDArray array;
        if (queue != null && !queue.isEmpty()) {
            array = queue.poll().array();
            reused++;
        } else {
            array = Nd4j.createUninitializedDetached(dataType, shape);
            allocated++;
        }
        INDArray handed = Arrays.equals(array.shape(), shape) ? array : array.reshape('c', shape);
        inUse.put(handed, array);
        return handed;
    }

    @Override
    public INDArray allocate(boolean detached, LongShapeDescriptor descriptor) {
        if (descriptor.isEmpty() || descriptor.getOrder() != 'c') {
            allocated++;
            INDArray array = Nd4j.create(descriptor, false);
            return detached ? array.detach() : array;
        }
        return allocate(detached, descriptor.dataType(), descriptor.getShape());
    }

    @Override
    public INDArray ulike(INDArray array) {
        return allocate(false, array.dataType(), array.shape());
    }

    @Override
    public INDArray dup(INDArray array) {
        INDArray copy = ulike(array);
        if (!array.isEmpty()) {
            copy.assign(array);
        }
        return copy;
    }

    /**
     * The session no longer needs {@code array}: free now if it was handed out as allocated and
     * no other array shares its buffer (a reshaped one waits for the end of the call).
     */
    @Override
    public void release(INDArray array) {
        if (inUse.get(array) != array || array.data() == null || Nd4j.getExecutioner().useCount(array.data()) > 1) {
            return;
        }
        inUse.remove(array);
        makeFree(array);
    }

    @Override
    public void close() {
        free.clear();
        inUse.clear();
    }

    private void makeFree(INDArray array) {
        free.computeIfAbsent(new Key(array.dataType(), array.length()), k -> new ArrayDeque<>())
                .add(new Free(array, call));
    }

    private static List<INDArray> arrays(SDValue value) {
        List<INDArray> arrays = new ArrayList<>();
        if (value == null) {
            return arrays;
        }
        if (value.getListValue() != null) {
            value.getListValue().stream().filter(Objects::nonNull).forEach(arrays::add);
        }
        if (value.getDictValue() != null) {
            value.getDictValue().values().stream().filter(Objects::nonNull).forEach(arrays::add);
        }
        return arrays;
    }

    /** [start, end) of the native memory of {@code array}'s whole buffer. */
    private static long[] byteRange(INDArray array) {
        long start = array.data().address();
        return new long[]{start, start + array.data().length() * array.data().getElementSize()};
    }

    private static boolean overlapsAny(long[] range, List<long[]> others) {
        for (long[] other : others) {
            if (range[0] < other[1] && other[0] < range[1]) {
                return true;
            }
        }
        return false;
    }
}
