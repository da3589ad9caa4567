package org.ssm4j.ops.conv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.ssm4j.ops.Layout;
import org.ssm4j.ops.SameDiffChecks;
import org.ssm4j.ops.SsmOps;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ssm4j.ops.conv.ConvFixture.assertClose;

/** The conv op inside SameDiff graphs: inference, gradients, training, threads, save and load. */
class CausalConv1dSameDiffTest {

    /** A graph: placeholder x, variables w, b, h0; y, y:1 = causal_conv1d; loss = sum(y*gy) [+ sum(final*gf)]. */
    private static SameDiff graph(ConvFixture f, INDArray gy, INDArray gf, boolean finalStateInLoss) {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", f.type, f.xArray().shape());
        SDVariable w = sd.var("w", f.weightArray());
        SDVariable b = sd.var("b", f.biasArray());
        SDVariable h0 = sd.var("h0", f.initialStateArray());
        var conv = SsmOps.causalConv1d(sd, "y", x, w, b, h0, f.config);
        SDVariable loss = conv.y().mul(sd.constant("gy", gy)).sum();
        if (finalStateInLoss) {
            loss = loss.add(conv.finalState().mul(sd.constant("gf", gf)).sum());
        }
        loss.rename("loss");
        sd.setLossVariables("loss");
        return sd;
    }

    private static ConvFixture fixture(Layout layout) {
        return ConvFixture.of(41, 2, 6, 5, 4, true, true, new CausalConv1dConfig(layout, true), DataType.DOUBLE);
    }

    @Test
    void outputMatchesTheDefinitionAlsoInACopiedGraph() {
        for (Layout layout : Layout.values()) {
            ConvFixture f = fixture(layout);
            SameDiff sd = graph(f, f.xArray().ulike().assign(1), Nd4j.zeros(DataType.DOUBLE, 2, 5, 3), true);
            Map<String, INDArray> out = sd.output(Map.of("x", f.xArray()), "y", "y:1");
            assertClose(f.expectedY(), f.toChannelsLast(out.get("y")), f.tolerance(), "y " + layout);
            assertClose(f.expectedFinalState(), out.get("y:1"), f.tolerance(), "final state " + layout);
            assertEquals(out.get("y"), sd.dup().output(Map.of("x", f.xArray()), "y").get("y"), "copied graph");
        }
    }

    @Test
    void gradientsMatchTheBackwardOp() {
        for (boolean finalStateInLoss : new boolean[]{true, false}) {
            ConvFixture f = fixture(finalStateInLoss ? Layout.CHANNELS_LAST : Layout.CHANNELS_FIRST);
            INDArray gy = Nd4j.rand(DataType.DOUBLE, f.xArray().shape()).subi(0.5);
            INDArray gf = Nd4j.rand(DataType.DOUBLE, 2, 5, 3).subi(0.5);
            SameDiff sd = graph(f, gy, gf, finalStateInLoss);
            Map<String, INDArray> gradients = sd.calculateGradients(Map.of("x", f.xArray()), "x", "w", "b", "h0");
            INDArray[] expected = CausalConv1dGradientTest.backward(f,
                    List.of(f.xArray(), f.weightArray(), f.biasArray(), f.initialStateArray()), gy,
                    finalStateInLoss ? gf : gf.like());
            String[] names = {"x", "w", "b", "h0"};
            for (int i = 0; i < names.length; i++) {
                assertClose(expected[i], gradients.get(names[i]), 1e-12,
                        "gradient of " + names[i] + ", final state in loss: " + finalStateInLoss);
            }
        }
    }

    /** A conv learns a target conv's weights with SameDiff's fit(): the loss falls a hundredfold. */
    @Test
    void fitTrainsTheWeights() {
        ConvFixture target = ConvFixture.of(51, 4, 12, 6, 3, true, false, CausalConv1dConfig.defaults(), DataType.FLOAT);
        INDArray x = target.xArray();
        INDArray label = SsmOps.causalConv1d(x, target.weightArray(), target.biasArray(), null, target.config).y();
        SameDiff sd = SameDiff.create();
        SDVariable in = sd.placeHolder("x", DataType.FLOAT, -1, 12, 6);
        SDVariable labels = sd.placeHolder("label", DataType.FLOAT, -1, 12, 6);
        SDVariable w = sd.var("w", Nd4j.rand(DataType.FLOAT, 6, 3).subi(0.5));
        SDVariable b = sd.var("b", Nd4j.zeros(DataType.FLOAT, 6));
        var conv = SsmOps.causalConv1d(sd, "y", in, w, b, null, target.config);
        sd.loss().meanSquaredError("loss", labels, conv.y(), null);
        sd.setTrainingConfig(TrainingConfig.builder().updater(new Adam(0.05))
                .dataSetFeatureMapping("x").dataSetLabelMapping("label").build());
        Map<String, INDArray> feed = Map.of("x", x, "label", label);
        double before = sd.output(feed, "loss").get("loss").getDouble(0);
        DataSet data = new DataSet(x, label);
        for (int i = 0; i < 150; i++) {
            sd.fit(data);
        }
        double after = sd.output(feed, "loss").get("loss").getDouble(0);
        assertTrue(after < before / 100, "loss " + before + " -> " + after);
    }

    /** output() from several threads at once, on one shared graph and on a graph per thread. */
    @Test
    void outputFromSeveralThreads() throws Exception {
        ConvFixture f = ConvFixture.of(61, 2, 40, 37, 4, true, true,
                CausalConv1dConfig.defaults().withSilu(true), DataType.FLOAT);
        INDArray gy = f.xArray().ulike().assign(1);
        INDArray gf = Nd4j.zeros(DataType.FLOAT, 2, 37, 3);
        SameDiff shared = graph(f, gy, gf, true);
        INDArray expected = shared.output(Map.of("x", f.xArray()), "y").get("y");
        assertClose(f.expectedY(), expected, f.tolerance(), "y");
        SameDiffChecks.assertSameOutputsFromSeveralThreads(shared, () -> graph(f, gy, gf, true), f.xArray(), expected);
    }

    /**
     * A graph saved with {@code save(file, true)} loads in a fresh JVM that never touches an
     * ssm4j class before {@code SameDiff.load}, and gives identical outputs and gradients.
     */
    @Test
    void savedGraphLoadsInAFreshJvm(@TempDir Path directory) throws Exception {
        ConvFixture f = fixture(Layout.CHANNELS_LAST);
        INDArray gy = Nd4j.rand(DataType.DOUBLE, f.xArray().shape());
        INDArray gf = Nd4j.rand(DataType.DOUBLE, 2, 5, 3);
        SameDiffChecks.assertLoadsInAFreshJvm(directory, graph(f, gy, gf, true), f.xArray());
    }
}
