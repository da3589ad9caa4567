package org.ssm4j.experiments.models;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.experiments.config.SsmConfig;
import org.ssm4j.experiments.eval.LossGraph;
import org.ssm4j.experiments.tasks.SelectiveCopyingTask;
import org.ssm4j.experiments.tasks.SplitMix64;
import org.ssm4j.experiments.tasks.TaskBatch;
import org.ssm4j.mamba.MambaConfig;
import org.ssm4j.mamba.MambaParameters;
import org.ssm4j.mamba.MixerKind;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

class MambaSequenceModelTest {

    private static final SsmConfig CONFIG = new SsmConfig("mamba", "mamba", 8, 2, 4, 3, 2, 0, true);
    private static final SsmConfig LTI = new SsmConfig("lti", "lti", 8, 2, 4, 3, 2, 0, true);

    private static SsmConfig config(String type) {
        return type.equals(SsmConfig.LTI) ? LTI : CONFIG;
    }

    @Test
    void mapsTheExperimentConfigOntoMambaConfig() {
        MambaConfig c = MambaSequenceModel.mambaConfig(new SsmConfig("mamba", "m", 48, 3, 8, 4, 2, 0, false), 16);
        assertEquals(16, c.vocabSize());
        assertEquals(16, c.paddedVocabSize());
        assertEquals(48, c.hiddenSize());
        assertEquals(3, c.numHiddenLayers());
        assertEquals(8, c.stateSize());
        assertEquals(4, c.convKernel());
        assertEquals(96, c.intermediateSize());
        assertEquals(3, c.timeStepRank(), "ceil(48 / 16)");
        assertEquals(false, c.tieWordEmbeddings());
    }

    @ParameterizedTest
    @ValueSource(strings = {SsmConfig.MAMBA, SsmConfig.LTI})
    void parametersAndNoDecaySetAreSamediffMambas(String type) {
        MambaSequenceModel model = new MambaSequenceModel(config(type), 6, 1, DataType.FLOAT);
        MixerKind mixer = type.equals(SsmConfig.LTI) ? MixerKind.TIME_INVARIANT : MixerKind.SELECTIVE;
        MambaParameters expected = MambaParameters.of(MambaSequenceModel.mambaConfig(config(type), 6), mixer);
        assertEquals(expected.names(), List.copyOf(model.parameters().keySet()));
        assertEquals(expected.count(), model.parameterCount());
        assertEquals(expected.noWeightDecay(), model.noDecayParameterNames());
        assertTrue(model.noDecayParameterNames().contains("backbone.layers.1.mixer.A_log"));
        assertEquals(type.equals(SsmConfig.LTI), model.parameters().containsKey("backbone.layers.1.mixer.C"));
        assertEquals(type.equals(SsmConfig.LTI), model.noDecayParameterNames().contains("backbone.layers.1.mixer.dt_bias"));
    }

    @ParameterizedTest
    @ValueSource(strings = {SsmConfig.MAMBA, SsmConfig.LTI})
    void logitsAtAPositionDependOnlyOnTokensUpToIt(String type) {
        MambaSequenceModel model = new MambaSequenceModel(config(type), 6, 1, DataType.DOUBLE);
        ModelGraph graph = model.buildGraph(1, 7);
        long[] tokens = {1, 4, 2, 0, 5, 3, 1};
        INDArray before = logits(graph, tokens);
        tokens[4] = 2;
        INDArray after = logits(graph, tokens);
        for (int t = 0; t < 7; t++) {
            double difference = before.get(point(0), point(t)).sub(after.get(point(0), point(t))).norm2Number().doubleValue();
            assertTrue(t < 4 ? difference == 0 : difference > 1e-9, "position " + t + ": " + difference);
        }
    }

    private static INDArray logits(ModelGraph graph, long[] tokens) {
        INDArray ids = Nd4j.createFromArray(tokens).reshape(1, tokens.length);
        return graph.sameDiff().output(Map.of(graph.inputName(), ids), graph.logits().name()).get(graph.logits().name());
    }

    /** The answer loss on samediff-mamba's graph: backpropagated gradients against central differences. */
    @ParameterizedTest
    @ValueSource(strings = {SsmConfig.MAMBA, SsmConfig.LTI})
    void answerLossGradientsMatchFiniteDifferences(String type) {
        MambaSequenceModel model = new MambaSequenceModel(config(type), 6, 2, DataType.DOUBLE);
        LossGraph graph = LossGraph.attach(model.buildGraph(2, 9), 6);
        TaskBatch batch = new SelectiveCopyingTask(6, 2).sample(2, 9, new SplitMix64(3));
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
        SplitMix64 pick = new SplitMix64(5);
        for (String name : names) {
            INDArray p = model.parameters().get(name);
            for (int k = 0; k < 2; k++) {
                long i = pick.nextInt((int) p.length());
                double original = p.getDouble(i);
                double h = 1e-6;
                p.putScalar(i, original + h);
                double plus = loss(sd, graph, feeds);
                p.putScalar(i, original - h);
                double minus = loss(sd, graph, feeds);
                p.putScalar(i, original);
                double numeric = (plus - minus) / (2 * h);
                assertEquals(numeric, gradients.get(name).getDouble(i), 1e-7 + 1e-5 * Math.abs(numeric), name + "[" + i + "]");
            }
        }
    }

    private static double loss(SameDiff sd, LossGraph graph, Map<String, INDArray> feeds) {
        return sd.output(feeds, graph.loss().name()).get(graph.loss().name()).getDouble(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {SsmConfig.MAMBA, SsmConfig.LTI})
    void memoryEstimateIsLinearInTheLength(String type) {
        MambaSequenceModel model = new MambaSequenceModel(config(type), 6, 1, DataType.FLOAT);
        assertEquals(2 * model.estimateForwardBytes(4, 1 << 14), model.estimateForwardBytes(4, 1 << 15));
    }

    @Test
    void theLtiModelsBroadcastBAndCCountInItsMemoryEstimate() {
        long selective = new MambaSequenceModel(CONFIG, 6, 1, DataType.FLOAT).estimateForwardBytes(4, 64);
        long lti = new MambaSequenceModel(LTI, 6, 1, DataType.FLOAT).estimateForwardBytes(4, 64);
        long broadcastBAndC = 2L * 4 * 64 * 16 * 4 * Float.BYTES;
        assertTrue(lti - selective > LTI.nLayers() * broadcastBAndC, "B and C at every position of every layer: " + lti + " vs " + selective);
    }
}
