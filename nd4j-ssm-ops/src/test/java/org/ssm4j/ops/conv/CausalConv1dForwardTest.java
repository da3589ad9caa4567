package org.ssm4j.ops.conv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv1DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.ssm4j.ops.Layout;
import org.ssm4j.ops.SsmOps;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.ssm4j.ops.conv.ConvFixture.assertClose;

/** The forward op on arrays against the definition, ND4J's conv1d, and with hostile arrays. */
class CausalConv1dForwardTest {

    /** Widths 1..4; lengths 1, 2, below the width, odd; channels that leave vector tails (3, 13, 70 > one task block). */
    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        long seed = 1;
        for (DataType type : List.of(DataType.DOUBLE, DataType.FLOAT)) {
            for (int width = 1; width <= 4; width++) {
                for (int length : new int[]{1, 2, width - 1, 7}) {
                    if (length < 1) {
                        continue;
                    }
                    for (int channels : new int[]{3, 13, 70}) {
                        boolean flag = (seed & 1) == 0;
                        CausalConv1dConfig config = new CausalConv1dConfig(
                                seed % 3 == 0 ? Layout.CHANNELS_FIRST : Layout.CHANNELS_LAST, (seed & 2) == 0);
                        cases.add(Arguments.of(ConvFixture.of(seed, 2, length, channels, width, flag, !flag || width > 2,
                                config, type)));
                        seed++;
                    }
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void matchesTheDefinition(ConvFixture f) {
        var result = SsmOps.causalConv1d(f.xArray(), f.weightArray(), f.biasArray(), f.initialStateArray(), f.config);
        assertEquals(f.type, result.y().dataType());
        assertClose(f.expectedY(), f.toChannelsLast(result.y()), f.tolerance(), "y " + f);
        if (f.width > 1) {
            assertClose(f.expectedFinalState(), result.finalState(), f.tolerance(), "final state " + f);
        }
        assertEquals(List.of(2L, (long) f.channels, f.width - 1L), List.of(result.finalState().shape()[0],
                result.finalState().shape()[1], result.finalState().shape()[2]));
    }

    /**
     * ND4J's conv1d with causal padding, made depthwise by a diagonal (width, channels,
     * channels) weight, computes the same convolution without initial state.
     */
    @Test
    void matchesNd4jConv1dWithDiagonalWeights() {
        for (int width : new int[]{1, 2, 4}) {
            ConvFixture f = ConvFixture.of(7 + width, 3, 9, 5, width, true, false, CausalConv1dConfig.defaults(),
                    DataType.DOUBLE);
            INDArray diagonal = Nd4j.zeros(DataType.DOUBLE, width, f.channels, f.channels);
            for (int c = 0; c < f.channels; c++) {
                for (int k = 0; k < width; k++) {
                    diagonal.putScalar(new long[]{k, c, c}, f.weight[c][k]);
                }
            }
            Conv1DConfig conv = Conv1DConfig.builder().k(width).s(1).d(1).paddingMode(PaddingMode.CAUSAL)
                    .dataFormat(Conv1DConfig.NWC).build();
            INDArray expected = Nd4j.cnn().conv1d(f.xArray(), diagonal, f.biasArray(), conv);
            var result = SsmOps.causalConv1d(f.xArray(), f.weightArray(), f.biasArray(), null, f.config);
            assertClose(expected, result.y(), 1e-12, "y vs ND4J conv1d, width " + width);
        }
    }

    /** Every output element is written: outputs filled with NaN beforehand hold no NaN after. */
    @Test
    void writesEveryOutputElement() {
        for (Layout layout : Layout.values()) {
            ConvFixture f = ConvFixture.of(11, 2, 6, 19, 4, true, false,
                    new CausalConv1dConfig(layout, true), DataType.FLOAT);
            INDArray x = f.xArray();
            INDArray y = x.ulike().assign(Double.NaN);
            INDArray finalState = Nd4j.create(DataType.FLOAT, 2, 19, 3).assign(Double.NaN);
            CausalConv1d op = new CausalConv1d(x, f.weightArray(), f.biasArray(), null, f.config);
            op.addOutputArgument(y, finalState);
            Nd4j.exec(op);
            assertClose(f.expectedY(), f.toChannelsLast(y), f.tolerance(), "y " + layout);
            assertClose(f.expectedFinalState(), finalState, f.tolerance(), "final state " + layout);
        }
    }

    /** Strided and permuted views as inputs and as outputs give the same results as dense arrays. */
    @Test
    void acceptsStridedViews() {
        ConvFixture f = ConvFixture.of(12, 2, 7, 10, 3, true, true, CausalConv1dConfig.defaults(), DataType.DOUBLE);
        INDArray wide = Nd4j.zeros(DataType.DOUBLE, 2, 7, 20);
        wide.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 20)).assign(f.xArray());
        INDArray x = wide.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 20));
        INDArray weight = f.weightArray().transpose().dup('c').transpose();
        INDArray bias = Nd4j.concat(0, f.biasArray(), f.biasArray()).get(NDArrayIndex.interval(10, 20));
        INDArray initialState = f.initialStateArray().permute(2, 1, 0).dup('c').permute(2, 1, 0);
        INDArray yTarget = Nd4j.zeros(DataType.DOUBLE, 2, 10, 7).permute(0, 2, 1);
        INDArray finalTarget = Nd4j.zeros(DataType.DOUBLE, 2, 2, 10).permute(0, 2, 1);
        CausalConv1d op = new CausalConv1d(x, weight, bias, initialState, f.config);
        op.addOutputArgument(yTarget, finalTarget);
        Nd4j.exec(op);
        assertClose(f.expectedY(), yTarget, f.tolerance(), "y from views");
        assertClose(f.expectedFinalState(), finalTarget, f.tolerance(), "final state from views");
    }

    /** The float kernel over many channels (vector blocks, tails, parallel tasks) agrees with the double one. */
    @Test
    void floatAgreesWithDoubleOnALargerProblem() {
        ConvFixture d = ConvFixture.of(13, 3, 200, 150, 4, true, true,
                CausalConv1dConfig.defaults().withSilu(true), DataType.DOUBLE);
        ConvFixture s = ConvFixture.of(13, 3, 200, 150, 4, true, true,
                CausalConv1dConfig.defaults().withSilu(true), DataType.FLOAT);
        var yd = SsmOps.causalConv1d(d.xArray(), d.weightArray(), d.biasArray(), d.initialStateArray(), d.config).y();
        var ys = SsmOps.causalConv1d(s.xArray(), s.weightArray(), s.biasArray(), s.initialStateArray(), s.config).y();
        assertClose(yd, ys.castTo(DataType.DOUBLE), 2e-5, "float vs double");
        assertClose(d.expectedY(), yd, 1e-12, "double vs definition");
    }
}
