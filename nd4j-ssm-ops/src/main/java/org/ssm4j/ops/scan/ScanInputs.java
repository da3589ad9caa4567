package org.ssm4j.ops.scan;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.kernels.ElementType;
import org.ssm4j.kernels.SelectiveScanKernel;
import org.ssm4j.kernels.cpu.CpuScanKernels;
import org.ssm4j.kernels.cuda.CudaScanKernels;
import org.ssm4j.kernels.cuda.CudaSelectiveScan;
import org.ssm4j.ops.runtime.DeviceArrays;
import org.ssm4j.kernels.ScanSpec;
import org.ssm4j.ops.Layout;
import org.ssm4j.ops.OpArrays;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Validates the scan ops' arrays, derives the kernels' {@link ScanSpec} from them, and gives
 * the channels-last views the kernels read. Every failure is an
 * {@link IllegalArgumentException} naming the op, the input, its shape or type and what was
 * expected.
 */
final class ScanInputs {

    private ScanInputs() {
    }

    /** Names of the forward inputs in order (u, delta, A, B, C, [D], [z], [deltaBias], [initialState]), then {@code extra}. */
    static List<String> names(ScanOptions options, String... extra) {
        List<String> names = new ArrayList<>(List.of("u", "delta", "A", "B", "C"));
        if (options.hasD()) {
            names.add("D");
        }
        if (options.hasZ()) {
            names.add("z");
        }
        if (options.hasDeltaBias()) {
            names.add("deltaBias");
        }
        if (options.hasInitialState()) {
            names.add("initialState");
        }
        names.addAll(List.of(extra));
        return names;
    }

    /**
     * Validates the forward inputs (the first {@code options.forwardInputs()} of {@code inputs};
     * more may follow) and returns the sizes.
     */
    static ScanSpec spec(String op, ScanOptions options, List<String> names, INDArray[] inputs) {
        OpArrays.checkTypes(op, names, Arrays.stream(inputs).map(INDArray::dataType).toList());
        boolean last = options.layout() == Layout.CHANNELS_LAST;
        long[] u = inputs[0].shape();
        OpArrays.SequenceSizes sizes = OpArrays.sequenceSizes(op, "u", options.layout(), u);
        long batch = sizes.batch();
        long length = sizes.length();
        long channels = sizes.channels();
        OpArrays.expectShape(op, "delta", inputs[1], u);
        long[] a = inputs[2].shape();
        if (a.length != 2 || a[0] != channels || a[1] < 1) {
            throw new IllegalArgumentException(op + ": input A has shape " + Arrays.toString(a)
                    + ", expected (channels, state) = [" + channels + ", state >= 1]");
        }
        long state = a[1];
        long[] b = inputs[3].shape();
        long[] ungrouped = last ? new long[]{batch, length, state} : new long[]{batch, state, length};
        long groups;
        if (b.length == 3 && Arrays.equals(b, ungrouped)) {
            groups = 1;
        } else if (b.length == 4 && b[0] == batch && b[1] >= 1
                && (last ? b[1] == length && b[3] == state : b[2] == state && b[3] == length)) {
            groups = last ? b[2] : b[1];
        } else {
            throw new IllegalArgumentException(op + ": input B has shape " + Arrays.toString(b) + ", expected "
                    + (last ? "(batch, length, state) = " + Arrays.toString(ungrouped)
                    + " or (batch, length, groups, state) = [" + batch + ", " + length + ", groups, " + state + "]"
                    : "(batch, state, length) = " + Arrays.toString(ungrouped)
                    + " or (batch, groups, state, length) = [" + batch + ", groups, " + state + ", " + length + "]")
                    + " for layout " + options.layout());
        }
        if (groups < 1 || channels % groups != 0) {
            throw new IllegalArgumentException(op + ": input B has shape " + Arrays.toString(b) + " with " + groups
                    + " groups, which do not divide the " + channels + " channels of u");
        }
        if (length * state * groups > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": input B has shape " + Arrays.toString(b)
                    + "; expected fewer than 2^31 elements per batch row");
        }
        OpArrays.expectShape(op, "C", inputs[4], b);
        int next = 5;
        if (options.hasD()) {
            OpArrays.expectShape(op, "D", inputs[next++], channels);
        }
        if (options.hasZ()) {
            OpArrays.expectShape(op, "z", inputs[next++], u);
        }
        if (options.hasDeltaBias()) {
            OpArrays.expectShape(op, "deltaBias", inputs[next++], channels);
        }
        if (options.hasInitialState()) {
            OpArrays.expectShape(op, "initialState", inputs[next], batch, channels, state);
        }
        return new ScanSpec((int) batch, (int) length, (int) channels, (int) state, (int) groups,
                options.deltaSoftplus(), options.hasD(), options.hasZ(), options.hasDeltaBias(),
                options.hasInitialState(), options.checkpointInterval());
    }

    /** The shape of u, delta, z and y in the op's layout. */
    static long[] sequenceShape(ScanOptions options, ScanSpec spec) {
        return options.layout().sequenceShape(spec.batch(), spec.length(), spec.channels());
    }

    /** (batch, channels, state): the initial and last states. */
    static long[] stateShape(ScanSpec spec) {
        return new long[]{spec.batch(), spec.channels(), spec.state()};
    }

    /** (batch, checkpoints, channels, state). */
    static long[] checkpointShape(ScanSpec spec) {
        return new long[]{spec.batch(), spec.checkpoints(), spec.channels(), spec.state()};
    }

    /** The kernels' (batch, length, [groups,] state) view of B, C or their gradients in the op's layout. */
    static INDArray groupsChannelsLast(ScanOptions options, INDArray groups) {
        if (options.layout() == Layout.CHANNELS_LAST) {
            return groups;
        }
        return groups.rank() == 3 ? groups.permute(0, 2, 1) : groups.permute(0, 3, 1, 2);
    }

    /**
     * Rejects NaN in a dense array (A: a NaN there would turn every state it touches into NaN).
     */
    static void requireNoNaN(String op, String name, INDArray array, MemorySegment dense) {
        long n = array.length();
        boolean wide = array.dataType() == DataType.DOUBLE;
        for (long i = 0; i < n; i++) {
            double v = wide ? dense.getAtIndex(ValueLayout.JAVA_DOUBLE, i) : dense.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            if (Double.isNaN(v)) {
                long[] index = org.nd4j.linalg.api.shape.Shape.ind2subC(array.shape(), i);
                throw new IllegalArgumentException(op + ": input " + name + " of shape " + Arrays.toString(array.shape())
                        + " holds NaN at " + Arrays.toString(index) + "; expected finite values");
            }
        }
    }

    /**
     * The kernel that runs the op on arrays of {@code type}: the CPU kernel unless the system
     * property {@value CudaScanKernels#DEVICE_PROPERTY} asks for CUDA.
     */
    static SelectiveScanKernel kernel(DataType type) {
        ElementType elementType = OpArrays.elementType(type);
        return CudaScanKernels.select(elementType, CpuScanKernels.forType(elementType));
    }

    /** Whether the CUDA kernels can run the op on a GPU backend's arrays of {@code type} in this process. */
    static boolean runsOnDevice(DataType type) {
        return type == DataType.FLOAT && CudaSelectiveScan.availability().available();
    }

    /** The CUDA kernels for {@code device}'s arrays. */
    static CudaSelectiveScan deviceKernel(DataType type, DeviceArrays device) {
        if (type != DataType.FLOAT) {
            throw new IllegalArgumentException("the CUDA selective scan runs the op on FLOAT arrays, got " + type);
        }
        return CudaSelectiveScan.open(device.deviceOrdinal());
    }
}
