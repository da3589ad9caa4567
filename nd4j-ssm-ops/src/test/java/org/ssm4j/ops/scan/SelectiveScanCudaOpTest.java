package org.ssm4j.ops.scan;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.ssm4j.kernels.ScanCase;
import org.ssm4j.kernels.ScanResult;
import org.ssm4j.kernels.ScanSpec;
import org.ssm4j.kernels.cuda.CudaAvailability;
import org.ssm4j.kernels.cuda.CudaScanKernels;
import org.ssm4j.kernels.cuda.CudaSelectiveScan;
import org.ssm4j.ops.Layout;
import org.ssm4j.ops.runtime.DenseArrays;
import org.ssm4j.ops.runtime.StagedDeviceArrays;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The scan ops on the GPU against their CPU kernel, two ways. In a SameDiff graph with
 * {@code ssm4j.scan.device=cuda}: y, the last state and the gradient of every input equal those
 * of the same graph on the CPU kernel, in both layouts and on a row long enough to be cut into
 * chunks; the arrays are ND4J host arrays, copied to the GPU and back around each scan. And
 * through the ops' device path ({@code computeOnDevice}, what a GPU backend's executioner
 * calls) with {@link StagedDeviceArrays} standing in for that backend's arrays: y, the last
 * state, the checkpoints and every gradient, in both layouts, on offset views and on a chunked
 * row. Tagged {@code gpu}: skipped, with the reason, where no CUDA driver or device is present.
 */
@Tag("gpu")
class SelectiveScanCudaOpTest {

    /** Relative error (norm of the difference over the norm of the CPU value) allowed for float32. */
    private static final double TOLERANCE = 1e-5;

    @BeforeEach
    void requireCuda() {
        CudaAvailability availability = CudaSelectiveScan.availability();
        assumeTrue(availability.available(), "CUDA selective scan not testable here: " + availability.reason());
    }

    @Test
    void smallGraphInBothLayoutsMatchesTheCpu() {
        ScanSpec spec = new ScanSpec(2, 11, 10, 4, 2, true, true, true, true, true, 4);
        for (Layout layout : Layout.values()) {
            assertCudaMatchesCpu(new ScanArrays(ScanCase.random(spec, 11), DataType.FLOAT, layout, true));
        }
    }

    /** 1024 steps on 64 channels: the CUDA launch policy cuts the row into chunks both ways. */
    @Test
    void chunkedRowMatchesTheCpu() {
        ScanSpec spec = new ScanSpec(1, 1024, 64, 16, 1, true, true, true, true, true, 16);
        assertCudaMatchesCpu(new ScanArrays(ScanCase.random(spec, 12), DataType.FLOAT, Layout.CHANNELS_LAST));
    }

    @Test
    void devicePathInBothLayoutsMatchesTheCpu() {
        ScanSpec spec = new ScanSpec(2, 11, 10, 4, 2, true, true, true, true, true, 4);
        for (Layout layout : Layout.values()) {
            assertDevicePathMatchesCpu(new ScanArrays(ScanCase.random(spec, 21), DataType.FLOAT, layout, true), false);
        }
    }

    /** u and z as views that start inside a larger buffer: the device path copies them first. */
    @Test
    void devicePathOnOffsetViewsMatchesTheCpu() {
        ScanSpec spec = new ScanSpec(1, 9, 6, 3, 1, true, true, true, true, false, 4);
        assertDevicePathMatchesCpu(new ScanArrays(ScanCase.random(spec, 22), DataType.FLOAT, Layout.CHANNELS_LAST), true);
    }

    @Test
    void devicePathOnAChunkedRowMatchesTheCpu() {
        ScanSpec spec = new ScanSpec(1, 1024, 64, 16, 1, true, true, true, true, true, 16);
        assertDevicePathMatchesCpu(new ScanArrays(ScanCase.random(spec, 23), DataType.FLOAT, Layout.CHANNELS_LAST), false);
    }

    private static void assertDevicePathMatchesCpu(ScanArrays arrays, boolean offsetViews) {
        INDArray[] inputs = arrays.forwardInputs();
        if (offsetViews) {
            inputs[0] = offsetCopy(inputs[0]);
            inputs[6] = offsetCopy(inputs[6]);
        }
        ScanResult cpu = arrays.run(inputs);
        ScanResult device;
        try (StagedDeviceArrays memory = new StagedDeviceArrays(0)) {
            device = arrays.run(inputs, (op, in, out) -> {
                assertTrue(op.runsOnDevice(in), op.opName() + " should run on the device");
                op.computeOnDevice(in, out, memory);
            });
        }
        device.assertCloseTo(cpu, TOLERANCE);
    }

    /** The same values in a dense view that starts one row into a larger array. */
    private static INDArray offsetCopy(INDArray array) {
        long[] shape = array.shape().clone();
        shape[0] += 1;
        INDArray larger = Nd4j.create(array.dataType(), shape);
        INDArray view = larger.get(NDArrayIndex.interval(1, shape[0]));
        view.assign(array);
        assertFalse(DenseArrays.isDenseFromStart(view));
        return view;
    }

    private static void assertCudaMatchesCpu(ScanArrays arrays) {
        Map<String, INDArray> cpu = run(arrays, "cpu");
        Map<String, INDArray> cuda = run(arrays, "cuda");
        assertEquals(cpu.keySet(), cuda.keySet());
        List<String> failures = new ArrayList<>();
        for (String name : cpu.keySet()) {
            double error = ScanResult.relativeError(ScanArrays.doubles(cuda.get(name)), ScanArrays.doubles(cpu.get(name)));
            if (!(error < TOLERANCE)) {
                failures.add(name + ": relative error " + error);
            }
        }
        assertTrue(failures.isEmpty(), arrays.layout() + " " + arrays.spec() + ": " + failures);
    }

    /** y, the last state and every gradient of the graph with the scan on {@code device}. */
    private static Map<String, INDArray> run(ScanArrays arrays, String device) {
        String saved = System.getProperty(CudaScanKernels.DEVICE_PROPERTY);
        System.setProperty(CudaScanKernels.DEVICE_PROPERTY, device);
        try {
            SameDiff sd = SelectiveScanSameDiffTest.graph(arrays, true, true);
            Map<String, INDArray> feed = Map.of("x", arrays.forwardInputs()[0]);
            Map<String, INDArray> result = new HashMap<>(sd.output(feed, "y", "y:1"));
            List<String> wrt = new ArrayList<>(List.of("x"));
            wrt.addAll(List.of(SelectiveScanSameDiffTest.VARIABLES));
            sd.calculateGradients(feed, wrt).forEach((name, gradient) -> result.put("d" + name, gradient));
            return result;
        } finally {
            if (saved == null) {
                System.clearProperty(CudaScanKernels.DEVICE_PROPERTY);
            } else {
                System.setProperty(CudaScanKernels.DEVICE_PROPERTY, saved);
            }
        }
    }
}
