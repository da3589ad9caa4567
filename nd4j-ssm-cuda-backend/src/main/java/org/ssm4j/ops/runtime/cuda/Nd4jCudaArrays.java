package org.ssm4j.ops.runtime.cuda;

import org.nd4j.jita.allocator.impl.AtomicAllocator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.jcublas.context.CudaContext;
import org.ssm4j.ops.runtime.DenseArrays;
import org.ssm4j.ops.runtime.DeviceArrays;

import java.util.Arrays;

/**
 * The device memory of ND4J CUDA arrays for one op call on the calling thread: addresses from
 * the arrays' buffers ({@code DataBuffer.platformAddress()}), inputs synchronised to the
 * device through ND4J's flow controller, outputs marked as written on the device, and the
 * stream of the thread's ND4J CUDA context, on which ND4J runs its own ops.
 */
final class Nd4jCudaArrays implements DeviceArrays {

    private final AtomicAllocator allocator = AtomicAllocator.getInstance();
    private final CudaContext context = allocator.getDeviceContext();

    @Override
    public int deviceOrdinal() {
        return Nd4j.getAffinityManager().getDeviceForCurrentThread();
    }

    @Override
    public long stream() {
        return context.getOldStream().address();
    }

    @Override
    public long input(INDArray array) {
        DenseArrays.requireDenseFromStart(array);
        allocator.getFlowController().synchronizeToDevice(allocator.getAllocationPoint(array));
        return address(array);
    }

    @Override
    public long output(INDArray array) {
        DenseArrays.requireDenseFromStart(array);
        return address(array);
    }

    @Override
    public void written(INDArray array) {
        allocator.tickDeviceWrite(array);
    }

    private static long address(INDArray array) {
        long address = array.data().platformAddress();
        if (address == 0) {
            throw new IllegalStateException("ND4J CUDA array of shape " + Arrays.toString(array.shape())
                    + " has no device buffer");
        }
        return address;
    }
}
