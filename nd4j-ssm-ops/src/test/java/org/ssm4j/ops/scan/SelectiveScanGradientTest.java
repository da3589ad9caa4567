package org.ssm4j.ops.scan;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.kernels.ScanCase;
import org.ssm4j.kernels.ScanSpec;
import org.ssm4j.ops.Layout;
import org.ssm4j.ops.SsmOps;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every gradient of the backward op against central finite differences of the forward op in
 * DOUBLE, for {@code loss = sum(y * gy) + sum(lastState * gLast)}: with an initial state, a
 * last-state gradient, grouped B and C, and lengths that end inside a checkpoint interval.
 */
class SelectiveScanGradientTest {

    private static final double STEP = 1e-6;

    static Stream<Arguments> cases() {
        return Stream.of(
                // batch, length, channels, state, groups, softplus, D, z, bias, h0, interval, layout, rank-4 B
                Arguments.of(new ScanSpec(2, 9, 6, 3, 3, true, true, true, true, true, 4), Layout.CHANNELS_LAST, true),
                Arguments.of(new ScanSpec(2, 7, 5, 4, 1, false, true, false, false, true, 3), Layout.CHANNELS_FIRST, false),
                Arguments.of(new ScanSpec(1, 6, 4, 2, 2, true, false, true, true, false, 6), Layout.CHANNELS_FIRST, true));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void backwardOpMatchesFiniteDifferences(ScanSpec spec, Layout layout, boolean rank4) {
        ScanArrays arrays = new ScanArrays(ScanCase.random(spec, 11), DataType.DOUBLE, layout, rank4);
        INDArray[] inputs = arrays.forwardInputs();
        INDArray gy = arrays.sequence(arrays.sc().dy());
        INDArray gLast = arrays.stateShaped(arrays.sc().dLastState());
        INDArray[] analytic = gradients(arrays, inputs, gy, gLast);
        List<String> names = ScanInputs.names(arrays.options());
        for (int k = 0; k < inputs.length; k++) {
            INDArray numeric = inputs[k].ulike();
            for (long i = 0; i < inputs[k].length(); i++) {
                double x = inputs[k].getDouble(i);
                inputs[k].putScalar(i, x + STEP);
                double up = loss(arrays, inputs, gy, gLast);
                inputs[k].putScalar(i, x - STEP);
                double down = loss(arrays, inputs, gy, gLast);
                inputs[k].putScalar(i, x);
                numeric.putScalar(i, (up - down) / (2 * STEP));
            }
            double err = numeric.sub(analytic[k]).norm2Number().doubleValue() / analytic[k].norm2Number().doubleValue();
            assertTrue(err < 1e-6, "gradient of " + names.get(k) + ": relative error " + err + "\nanalytic "
                    + analytic[k] + "\nnumeric " + numeric);
        }
    }

    private static double loss(ScanArrays arrays, INDArray[] inputs, INDArray gy, INDArray gLast) {
        SelectiveScanResult<INDArray> out = run(arrays, inputs);
        return out.y().mul(gy).sumNumber().doubleValue() + out.lastState().mul(gLast).sumNumber().doubleValue();
    }

    /** The forward op through the public facade and ND4J's executioner. */
    private static SelectiveScanResult<INDArray> run(ScanArrays arrays, INDArray[] inputs) {
        ScanSpec s = arrays.spec();
        int next = 5;
        INDArray d = s.hasD() ? inputs[next++] : null;
        INDArray z = s.hasZ() ? inputs[next++] : null;
        INDArray bias = s.hasDeltaBias() ? inputs[next++] : null;
        INDArray h0 = s.hasInitialState() ? inputs[next] : null;
        return SsmOps.selectiveScan(inputs[0], inputs[1], inputs[2], inputs[3], inputs[4], d, z, bias, h0,
                arrays.config());
    }

    private static INDArray[] gradients(ScanArrays arrays, INDArray[] inputs, INDArray gy, INDArray gLast) {
        INDArray[] forward = Nd4j.exec(arrays.forwardOp(inputs));
        List<INDArray> bp = new ArrayList<>(List.of(inputs));
        bp.add(forward[2]);
        bp.add(gy);
        bp.add(gLast);
        return Nd4j.exec(new SelectiveScanBp(bp.toArray(INDArray[]::new), arrays.options()));
    }
}
