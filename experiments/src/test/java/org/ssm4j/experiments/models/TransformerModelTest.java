package org.ssm4j.experiments.models;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.experiments.config.TransformerConfig;
import org.ssm4j.experiments.eval.LossGraph;
import org.ssm4j.experiments.tasks.InductionHeadsTask;
import org.ssm4j.experiments.tasks.SplitMix64;
import org.ssm4j.experiments.tasks.TaskBatch;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

class TransformerModelTest {

    private static TransformerConfig config(boolean tied) {
        return new TransformerConfig("transformer", "t", 8, 2, 2, 12, tied, 10000.0);
    }

    @Test
    void parameterCountFollowsFromTheSizes() {
        int v = 6;
        int d = 8;
        int ff = 12;
        long perLayer = 2L * d + 4L * d * d + 2L * d * ff;
        long tied = (long) v * d + 2 * perLayer + d;
        assertEquals(tied, new TransformerModel(config(true), v, 1, DataType.FLOAT).parameterCount());
        assertEquals(tied + (long) d * v, new TransformerModel(config(false), v, 1, DataType.FLOAT).parameterCount());
        TransformerModel model = new TransformerModel(config(true), v, 1, DataType.FLOAT);
        assertEquals(List.of("layers.0.attn_norm", "layers.0.mlp_norm", "layers.1.attn_norm", "layers.1.mlp_norm", "final_norm"),
                List.copyOf(model.noDecayParameterNames()));
    }

    @Test
    void sameSeedSameWeightsOtherSeedOtherWeights() {
        INDArray a = new TransformerModel(config(true), 6, 3, DataType.FLOAT).parameters().get("layers.1.wq");
        INDArray b = new TransformerModel(config(true), 6, 3, DataType.FLOAT).parameters().get("layers.1.wq");
        INDArray c = new TransformerModel(config(true), 6, 4, DataType.FLOAT).parameters().get("layers.1.wq");
        assertEquals(a, b);
        assertNotEquals(a, c);
        assertEquals(0.02, a.stdNumber().doubleValue(), 0.006);
    }

    @Test
    void logitsAtAPositionDependOnlyOnTokensUpToIt() {
        TransformerModel model = new TransformerModel(config(true), 6, 1, DataType.DOUBLE);
        ModelGraph graph = model.buildGraph(1, 7);
        int[] tokens = {1, 4, 2, 0, 5, 3, 1};
        INDArray before = logits(graph, tokens);
        tokens[4] = 2;
        INDArray after = logits(graph, tokens);
        for (int t = 0; t < 7; t++) {
            double difference = before.get(point(0), point(t))
                    .sub(after.get(point(0), point(t)))
                    .norm2Number().doubleValue();
            if (t < 4) {
                assertEquals(0.0, difference, 0.0, "position " + t + " must not see position 4");
            } else {
                assertTrue(difference > 1e-6, "position " + t + " sees position 4");
            }
        }
    }

    private static INDArray logits(ModelGraph graph, int[] tokens) {
        INDArray ids = Nd4j.createFromArray(tokens).reshape(1, tokens.length);
        return graph.sameDiff().output(Map.of(graph.inputName(), ids), graph.logits().name()).get(graph.logits().name());
    }

    /** Backpropagated gradients against central differences of the loss, in double precision. */
    @Test
    void gradientsMatchFiniteDifferences() {
        for (boolean tied : new boolean[]{true, false}) {
            TransformerModel model = new TransformerModel(config(tied), 5, 2, DataType.DOUBLE);
            LossGraph graph = LossGraph.attach(model.buildGraph(2, 6), 5);
            TaskBatch batch = new InductionHeadsTask(5).sample(2, 6, new SplitMix64(8));
            Map<String, INDArray> feeds = graph.feeds(batch);
            SameDiff sd = graph.model().sameDiff();
            List<String> names = new ArrayList<>(model.parameters().keySet());
            PrintStream out = System.out;
            System.setOut(new PrintStream(OutputStream.nullOutputStream()));
            Map<String, INDArray> gradients;
            try {
                gradients = sd.calculateGradients(feeds, names);
            } finally {
                System.setOut(out);
            }
            SplitMix64 pick = new SplitMix64(1);
            for (String name : names) {
                INDArray p = model.parameters().get(name);
                for (int k = 0; k < 3; k++) {
                    long i = pick.nextInt((int) p.length());
                    double original = p.getDouble(i);
                    double h = 1e-5;
                    p.putScalar(i, original + h);
                    double plus = loss(sd, graph, feeds);
                    p.putScalar(i, original - h);
                    double minus = loss(sd, graph, feeds);
                    p.putScalar(i, original);
                    double numeric = (plus - minus) / (2 * h);
                    double analytic = gradients.get(name).getDouble(i);
                    assertEquals(numeric, analytic, 1e-7 + 1e-5 * Math.abs(numeric),
                            (tied ? "tied" : "untied") + " " + name + "[" + i + "]");
                }
            }
        }
    }

    private static double loss(SameDiff sd, LossGraph graph, Map<String, INDArray> feeds) {
        return sd.output(feeds, graph.loss().name()).get(graph.loss().name()).getDouble(0);
    }

    @Test
    void forwardMemoryEstimateGrowsWithTheSquareOfTheLength() {
        TransformerModel model = new TransformerModel(config(true), 6, 1, DataType.FLOAT);
        long small = model.estimateForwardBytes(4, 1024);
        long big = model.estimateForwardBytes(4, 2048);
        assertTrue(big > 3.5 * small && big < 4.1 * small, small + " -> " + big);
        assertTrue(small >= 3L * 4 * 2 * 1024 * 1024 * 4, "at least the attention matrices");
    }
}
