package org.ssm4j.ops.scan;

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
import org.ssm4j.kernels.ScanCase;
import org.ssm4j.kernels.ScanSpec;
import org.ssm4j.ops.Layout;
import org.ssm4j.ops.SameDiffChecks;
import org.ssm4j.ops.SsmOps;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scan op inside SameDiff graphs: inference, gradients (last state included), training, threads, save and load. */
class SelectiveScanSameDiffTest {

    /** Variable names of the graph, in the op's input order after the placeholder x (= u); w is A. */
    static final String[] VARIABLES = {"delta", "w", "B", "C", "D", "z", "deltaBias", "h0"};

    private static ScanArrays arrays(Layout layout, DataType type) {
        ScanSpec spec = new ScanSpec(2, 11, 10, 4, 2, true, true, true, true, true, 4);
        return new ScanArrays(ScanCase.random(spec, 5), type, layout, true);
    }

    /** placeholder x; variables; y, y:1 = selective_scan; loss = [sum(y * gy)] + [sum(y:1 * gLast)]. */
    static SameDiff graph(ScanArrays arrays, boolean yInLoss, boolean lastInLoss) {
        INDArray[] in = arrays.forwardInputs();
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", arrays.type(), in[0].shape());
        SDVariable[] v = new SDVariable[VARIABLES.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = sd.var(VARIABLES[i], in[i + 1]);
        }
        var scan = SsmOps.selectiveScan(sd, "y", x, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], arrays.config());
        SDVariable yTerm = scan.y().mul(sd.constant("gy", arrays.sequence(arrays.sc().dy()))).sum();
        SDVariable lastTerm = scan.lastState().mul(sd.constant("gLast", arrays.stateShaped(arrays.sc().dLastState()))).sum();
        SDVariable loss = yInLoss && lastInLoss ? yTerm.add(lastTerm) : yInLoss ? yTerm : lastTerm;
        loss.rename("loss");
        sd.setLossVariables("loss");
        return sd;
    }

    @Test
    void outputMatchesTheEagerOp() {
        for (Layout layout : Layout.values()) {
            ScanArrays arrays = arrays(layout, DataType.DOUBLE);
            INDArray[] in = arrays.forwardInputs();
            INDArray[] expected = Nd4j.exec(arrays.forwardOp(in));
            Map<String, INDArray> out = graph(arrays, true, true).output(Map.of("x", in[0]), "y", "y:1");
            assertEquals(expected[0], out.get("y"), "y " + layout);
            assertEquals(expected[1], out.get("y:1"), "last state " + layout);
        }
    }

    @Test
    void gradientsMatchTheBackwardOp() {
        for (int lossTerms = 0; lossTerms < 3; lossTerms++) {
            boolean yInLoss = lossTerms != 1;
            boolean lastInLoss = lossTerms != 2;
            ScanArrays arrays = arrays(lossTerms == 0 ? Layout.CHANNELS_FIRST : Layout.CHANNELS_LAST, DataType.DOUBLE);
            INDArray[] in = arrays.forwardInputs();
            SameDiff sd = graph(arrays, yInLoss, lastInLoss);
            List<String> wrt = new ArrayList<>(List.of("x"));
            wrt.addAll(List.of(VARIABLES));
            Map<String, INDArray> gradients = sd.calculateGradients(Map.of("x", in[0]), wrt);
            INDArray[] forward = Nd4j.exec(arrays.forwardOp(in));
            List<INDArray> bp = new ArrayList<>(List.of(in));
            bp.add(forward[2]);
            bp.add(yInLoss ? arrays.sequence(arrays.sc().dy()) : forward[0].like().assign(0));
            bp.add(lastInLoss ? arrays.stateShaped(arrays.sc().dLastState()) : forward[1].like().assign(0));
            INDArray[] expected = Nd4j.exec(new SelectiveScanBp(bp.toArray(INDArray[]::new), arrays.options()));
            for (int i = 0; i < wrt.size(); i++) {
                assertEquals(expected[i], gradients.get(wrt.get(i)), "gradient of " + wrt.get(i)
                        + " (y in loss: " + yInLoss + ", last state in loss: " + lastInLoss + ")");
            }
        }
    }

    /** A scan learns a target scan's A, B-projection and D with fit(): the loss falls tenfold. */
    @Test
    void fitTrainsTheParameters() {
        ScanArrays target = arrays(Layout.CHANNELS_LAST, DataType.FLOAT);
        INDArray[] in = target.forwardInputs();
        INDArray label = Nd4j.exec(target.forwardOp(in))[0];
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 11, 10);
        SDVariable labels = sd.placeHolder("label", DataType.FLOAT, -1, 11, 10);
        SDVariable[] v = new SDVariable[VARIABLES.length];
        for (int i = 0; i < v.length; i++) {
            INDArray init = in[i + 1].dup();
            if (VARIABLES[i].equals("w") || VARIABLES[i].equals("D")) {
                init.muli(0.3);
            }
            v[i] = VARIABLES[i].equals("w") || VARIABLES[i].equals("D") ? sd.var(VARIABLES[i], init)
                    : sd.constant(VARIABLES[i], init);
        }
        var scan = SsmOps.selectiveScan(sd, "y", x, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], target.config());
        sd.loss().meanSquaredError("loss", labels, scan.y(), null);
        sd.setTrainingConfig(TrainingConfig.builder().updater(new Adam(0.05))
                .dataSetFeatureMapping("x").dataSetLabelMapping("label").build());
        Map<String, INDArray> feed = Map.of("x", in[0], "label", label);
        double before = sd.output(feed, "loss").get("loss").getDouble(0);
        DataSet data = new DataSet(in[0], label);
        for (int i = 0; i < 150; i++) {
            sd.fit(data);
        }
        double after = sd.output(feed, "loss").get("loss").getDouble(0);
        assertTrue(after < before / 10, "loss " + before + " -> " + after);
    }

    /** output() from several threads at once, on one shared graph and on a graph per thread. */
    @Test
    void outputFromSeveralThreads() throws Exception {
        ScanArrays arrays = arrays(Layout.CHANNELS_LAST, DataType.FLOAT);
        INDArray x = arrays.forwardInputs()[0];
        SameDiff shared = graph(arrays, true, true);
        INDArray expected = Nd4j.exec(arrays.forwardOp(arrays.forwardInputs()))[0];
        SameDiffChecks.assertSameOutputsFromSeveralThreads(shared, () -> graph(arrays, true, true), x, expected);
    }

    /**
     * A graph saved with {@code save(file, true)} loads in a fresh JVM that touches no ssm4j
     * class before {@code SameDiff.load} ({@link SameDiffChecks#assertLoadsInAFreshJvm}), and gives
     * identical outputs and gradients.
     */
    @Test
    void savedGraphLoadsInAFreshJvm(@TempDir Path directory) throws Exception {
        ScanArrays arrays = arrays(Layout.CHANNELS_LAST, DataType.DOUBLE);
        INDArray x = arrays.forwardInputs()[0];
        SameDiffChecks.assertLoadsInAFreshJvm(directory, graph(arrays, true, true), x);
    }
}
