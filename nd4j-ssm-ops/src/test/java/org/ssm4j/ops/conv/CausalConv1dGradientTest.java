package org.ssm4j.ops.conv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.ssm4j.ops.Layout;
import org.ssm4j.ops.SsmOps;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.ssm4j.ops.conv.ConvFixture.assertClose;

/**
 * The backward op against central finite differences of the forward op (DOUBLE), for the
 * loss {@code sum(y * gy) + sum(finalState * gf)}, whose gradients of y and of the final
 * state are {@code gy} and {@code gf}.
 */
class CausalConv1dGradientTest {

    private static final double STEP = 1e-6;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        long seed = 100;
        for (int width = 1; width <= 4; width++) {
            for (int length : new int[]{1, 2, width - 1, 5}) {
                if (length < 1) {
                    continue;
                }
                for (boolean silu : new boolean[]{false, true}) {
                    Layout layout = seed % 2 == 0 ? Layout.CHANNELS_LAST : Layout.CHANNELS_FIRST;
                    cases.add(Arguments.of(ConvFixture.of(seed++, 2, length, 3, width, true, true,
                            new CausalConv1dConfig(layout, silu), DataType.DOUBLE)));
                }
            }
        }
        cases.add(Arguments.of(ConvFixture.of(seed, 2, 4, 3, 3, false, false,
                CausalConv1dConfig.defaults().withSilu(true), DataType.DOUBLE)));
        return cases.stream();
    }

    /** Inputs in op order: x, weight, [bias], [initialState]. */
    private static List<INDArray> inputs(ConvFixture f) {
        List<INDArray> inputs = new ArrayList<>(List.of(f.xArray(), f.weightArray()));
        if (f.bias != null) {
            inputs.add(f.biasArray());
        }
        if (f.initialState != null) {
            inputs.add(f.initialStateArray());
        }
        return inputs;
    }

    private static INDArray random(Random random, DataType type, long... shape) {
        INDArray array = Nd4j.create(DataType.DOUBLE, shape);
        for (long i = 0; i < array.length(); i++) {
            array.putScalar(i, random.nextDouble() * 2 - 1);
        }
        return array.castTo(type);
    }

    private static double loss(ConvFixture f, List<INDArray> inputs, INDArray gy, INDArray gf) {
        var result = SsmOps.causalConv1d(inputs.get(0), inputs.get(1), f.bias == null ? null : inputs.get(2),
                f.initialState == null ? null : inputs.get(inputs.size() - 1), f.config);
        double loss = result.y().mul(gy).sumNumber().doubleValue();
        return f.width > 1 ? loss + result.finalState().mul(gf).sumNumber().doubleValue() : loss;
    }

    static INDArray[] backward(ConvFixture f, List<INDArray> inputs, INDArray gy, INDArray gf) {
        List<INDArray> all = new ArrayList<>(inputs);
        all.add(gy);
        all.add(gf);
        ConvOptions options = ConvOptions.of(f.config, f.bias != null, f.initialState != null);
        return Nd4j.exec(new CausalConv1dBp(all.toArray(INDArray[]::new), options));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void matchesFiniteDifferences(ConvFixture f) {
        Random random = new Random(f.width * 31L + f.length);
        List<INDArray> inputs = inputs(f);
        INDArray gy = random(random, DataType.DOUBLE, inputs.get(0).shape());
        INDArray gf = f.stateArray(new double[f.batch][f.channels][f.width - 1]);
        if (f.width > 1) {
            gf = random(random, DataType.DOUBLE, f.batch, f.channels, f.width - 1);
        }
        INDArray[] analytic = backward(f, inputs, gy, gf);
        assertEquals(inputs.size(), analytic.length);
        for (int i = 0; i < inputs.size(); i++) {
            INDArray input = inputs.get(i);
            for (long j = 0; j < input.length(); j++) {
                double original = input.getDouble(j);
                input.putScalar(j, original + STEP);
                double plus = loss(f, inputs, gy, gf);
                input.putScalar(j, original - STEP);
                double minus = loss(f, inputs, gy, gf);
                input.putScalar(j, original);
                double numeric = (plus - minus) / (2 * STEP);
                assertEquals(numeric, analytic[i].getDouble(j), 1e-7 * Math.max(1, Math.abs(numeric)),
                        "gradient of input " + i + " at " + j + " for " + f);
            }
        }
    }

    /** The float backward kernel (vector blocks, tails, parallel tasks) agrees with the double one. */
    @Test
    void floatAgreesWithDoubleOnALargerProblem() {
        for (boolean silu : new boolean[]{false, true}) {
            CausalConv1dConfig config = CausalConv1dConfig.defaults().withSilu(silu);
            ConvFixture d = ConvFixture.of(21, 3, 150, 75, 4, true, true, config, DataType.DOUBLE);
            ConvFixture s = ConvFixture.of(21, 3, 150, 75, 4, true, true, config, DataType.FLOAT);
            Random random = new Random(5);
            INDArray gy = random(random, DataType.DOUBLE, 3, 150, 75);
            INDArray gf = random(random, DataType.DOUBLE, 3, 75, 3);
            INDArray[] gd = backward(d, inputs(d), gy, gf);
            INDArray[] gs = backward(s, inputs(s), gy.castTo(DataType.FLOAT), gf.castTo(DataType.FLOAT));
            for (int i = 0; i < gd.length; i++) {
                double scale = Math.max(1, gd[i].amaxNumber().doubleValue());
                assertClose(gd[i].div(scale), gs[i].castTo(DataType.DOUBLE).div(scale), 1e-5,
                        "float vs double gradient " + i + " silu " + silu);
            }
        }
    }

    /** Gradient outputs filled with NaN, and strided gradient inputs, give the same gradients. */
    @Test
    void writesEveryGradientElementAndAcceptsViews() {
        ConvFixture f = ConvFixture.of(31, 2, 5, 11, 4, true, true,
                new CausalConv1dConfig(Layout.CHANNELS_FIRST, true), DataType.FLOAT);
        Random random = new Random(9);
        List<INDArray> inputs = inputs(f);
        INDArray gy = random(random, DataType.FLOAT, inputs.get(0).shape());
        INDArray gf = random(random, DataType.FLOAT, 2, 11, 3);
        INDArray[] expected = backward(f, inputs, gy, gf);

        INDArray wideGy = Nd4j.concat(2, gy, gy);
        INDArray gyView = wideGy.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, 5));
        List<INDArray> all = new ArrayList<>(inputs);
        all.add(gyView);
        all.add(gf.permute(2, 1, 0).dup('c').permute(2, 1, 0));
        CausalConv1dBp op = new CausalConv1dBp(all.toArray(INDArray[]::new), ConvOptions.of(f.config, true, true));
        INDArray[] poisoned = new INDArray[expected.length];
        for (int i = 0; i < expected.length; i++) {
            poisoned[i] = expected[i].ulike().assign(Double.NaN);
        }
        op.addOutputArgument(poisoned);
        Nd4j.exec(op);
        for (int i = 0; i < expected.length; i++) {
            assertFalse(poisoned[i].isNaN().any(), "NaN left in gradient " + i);
            assertClose(expected[i], poisoned[i], 1e-6, "gradient " + i);
        }
    }
}
