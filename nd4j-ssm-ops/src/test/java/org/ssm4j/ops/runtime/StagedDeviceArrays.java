package org.ssm4j.ops.runtime;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.kernels.cuda.CudaDevice;

import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * {@link DeviceArrays} for tests on the CPU backend with a GPU present: each array gets its own
 * device allocation, inputs are copied there when asked for, outputs are copied back to the
 * array's host memory when {@link #written} is called. It stands in for a GPU backend's arrays
 * so that an op's device path runs where that backend cannot, and it rejects any array that
 * the {@link DeviceArrays} contract excludes.
 */
public final class StagedDeviceArrays implements DeviceArrays, AutoCloseable {

    private final CudaDevice device;
    private final int ordinal;
    private final Map<INDArray, Long> allocations = new IdentityHashMap<>();

    public StagedDeviceArrays(int ordinal) {
        this.device = CudaDevice.open(ordinal);
        this.ordinal = ordinal;
    }

    @Override
    public int deviceOrdinal() {
        return ordinal;
    }

    @Override
    public long stream() {
        return device.stream();
    }

    @Override
    public long input(INDArray array) {
        long pointer = allocation(array);
        device.copyToDevice(pointer, DenseArrays.segment(array));
        return pointer;
    }

    @Override
    public long output(INDArray array) {
        return allocation(array);
    }

    @Override
    public void written(INDArray array) {
        Long pointer = allocations.get(array);
        if (pointer == null) {
            throw new IllegalStateException("written(" + Arrays.toString(array.shape()) + ") for an array never given to output()");
        }
        device.copyToHost(DenseArrays.segment(array), pointer);
    }

    private long allocation(INDArray array) {
        DenseArrays.requireDenseFromStart(array);
        return allocations.computeIfAbsent(array,
                a -> device.allocate(Math.max(1, a.length() * a.dataType().width())));
    }

    @Override
    public void close() {
        allocations.values().forEach(device::free);
        allocations.clear();
        device.close();
    }
}
