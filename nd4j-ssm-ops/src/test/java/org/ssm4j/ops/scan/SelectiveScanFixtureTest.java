package org.ssm4j.ops.scan;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.ssm4j.kernels.ScanCase;
import org.ssm4j.ops.Layout;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The ops against every reference fixture (mamba_ssm's selective_scan_ref in float64):
 * y, last state and every gradient, in both layouts and both types. The outputs start as NaN.
 */
class SelectiveScanFixtureTest {

    static Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        for (String fixture : List.of("full", "plain", "grouped", "long")) {
            for (Layout layout : Layout.values()) {
                all.add(Arguments.of(fixture, layout, DataType.DOUBLE, 1e-10));
                all.add(Arguments.of(fixture, layout, DataType.FLOAT, 1e-5));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void matchesReference(String fixture, Layout layout, DataType type, double tolerance) {
        ScanCase sc = ScanCase.fixture(fixture, 128);
        ScanArrays arrays = new ScanArrays(sc, type, layout);
        arrays.run(arrays.forwardInputs()).assertCloseTo(sc.expected(), tolerance);
    }

    /** Strided views (every input a view into a larger array) give the same result as dense inputs. */
    @Test
    void stridedViewsAsInputs() {
        ScanCase sc = ScanCase.fixture("full", 16);
        for (Layout layout : Layout.values()) {
            ScanArrays arrays = new ScanArrays(sc, DataType.DOUBLE, layout, true);
            INDArray[] inputs = arrays.forwardInputs();
            for (int i = 0; i < inputs.length; i++) {
                INDArray view = stridedView(inputs[i].shape(), inputs[i].dataType());
                view.assign(inputs[i]);
                inputs[i] = view;
            }
            arrays.run(inputs).assertCloseTo(sc.expected(), 1e-10);
        }
    }

    /** A view of the given shape into an array one larger along every axis: strided and offset. */
    static INDArray stridedView(long[] shape, DataType type) {
        long[] wider = new long[shape.length];
        INDArrayIndex[] index = new INDArrayIndex[shape.length];
        for (int i = 0; i < shape.length; i++) {
            wider[i] = shape[i] + 1;
            index[i] = NDArrayIndex.interval(1, shape[i] + 1);
        }
        return Nd4j.create(type, wider).get(index);
    }
}
