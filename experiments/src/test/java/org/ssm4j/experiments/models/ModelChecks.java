package org.ssm4j.experiments.models;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.experiments.eval.LossGraph;
import org.ssm4j.experiments.tasks.SplitMix64;
import org.ssm4j.experiments.tasks.TaskBatch;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

/** Checks every {@link SequenceModel} must pass, shared by the models' tests. */
final class ModelChecks {
    private ModelChecks() {
    }

    /**
     * Backpropagated gradients of the answer loss against central differences of step
     * {@code h}, at {@code perParameter} random entries of every parameter (double precision
     * models only).
     */
    static void assertGradientsMatchFiniteDifferences(SequenceModel model, int batch, int length, TaskBatch data,
                                                      int perParameter, double h, String label) {
        LossGraph graph = LossGraph.attach(model.buildGraph(batch, length), model.vocabSize());
        Map<String, INDArray> feeds = graph.feeds(data);
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
            for (int k = 0; k < perParameter; k++) {
                long i = pick.nextInt((int) p.length());
                double original = p.getDouble(i);
                p.putScalar(i, original + h);
                double plus = loss(sd, graph, feeds);
                p.putScalar(i, original - h);
                double minus = loss(sd, graph, feeds);
                p.putScalar(i, original);
                double numeric = (plus - minus) / (2 * h);
                assertEquals(numeric, gradients.get(name).getDouble(i), 1e-7 + 1e-5 * Math.abs(numeric),
                        label + " " + name + "[" + i + "]");
            }
        }
    }

    private static double loss(SameDiff sd, LossGraph graph, Map<String, INDArray> feeds) {
        return sd.output(feeds, graph.loss().name()).get(graph.loss().name()).getDouble(0);
    }

    /**
     * Changing the token at {@code changed} leaves the logits before it bit for bit as they
     * were and changes those from it on.
     */
    static void assertCausal(SequenceModel model, long[] tokens, int changed, long replacement) {
        ModelGraph graph = model.buildGraph(1, tokens.length);
        INDArray before = logits(graph, tokens);
        long[] edited = tokens.clone();
        edited[changed] = replacement;
        INDArray after = logits(graph, edited);
        for (int t = 0; t < tokens.length; t++) {
            double difference = before.get(point(0), point(t)).sub(after.get(point(0), point(t))).norm2Number().doubleValue();
            if (t < changed) {
                assertEquals(0.0, difference, 0.0, "position " + t + " must not see position " + changed);
            } else {
                assertTrue(difference > 1e-9, "position " + t + " sees position " + changed);
            }
        }
    }

    private static INDArray logits(ModelGraph graph, long[] tokens) {
        INDArray ids = Nd4j.createFromArray(tokens).reshape(1, tokens.length);
        return graph.sameDiff().output(Map.of(graph.inputName(), ids), graph.logits().name()).get(graph.logits().name());
    }
}
