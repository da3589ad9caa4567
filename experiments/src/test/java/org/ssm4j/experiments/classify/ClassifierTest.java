package org.ssm4j.experiments.classify;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.config.ModelConfig;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassifierTest {

    private static final int BATCH = 3;
    private static final int LENGTH = 6;
    private static final int CHANNELS = 2;
    private static final int CLASSES = 4;

    static ModelConfig model(String yaml) {
        return ConfigLoader.parse("name: t\nmodel: " + yaml + "\ntask: {name: induction_heads, length: 8}\n"
                + "train: {steps: 1, batch_size: 1, lr: 1.0e-3, eval_every: 1, seed: 1}\n", "test").singleModel();
    }

    private static final ModelConfig TRANSFORMER = model("{type: transformer, d_model: 8, n_layers: 2, n_heads: 2}");
    private static final ModelConfig MAMBA = model("{type: mamba, d_model: 8, n_layers: 2, d_state: 4}");
    private static final ModelConfig BIMAMBA = model("{type: mamba, d_model: 8, n_layers: 1, d_state: 4, bidirectional: true}");

    /** Features, mask (the last two positions of the second sequence are padding), pooling weights, targets. */
    private static Map<String, INDArray> feeds(ClassifierGraph g, Pooling pooling, long seed) {
        Random random = new Random(seed);
        double[] features = new double[BATCH * LENGTH * CHANNELS];
        for (int i = 0; i < features.length; i++) {
            features[i] = random.nextGaussian();
        }
        float[] mask = new float[BATCH * LENGTH];
        Arrays.fill(mask, 1f);
        mask[LENGTH + LENGTH - 1] = 0;
        mask[LENGTH + LENGTH - 2] = 0;
        int[] labels = {2, 0, 3};
        double[] targets = new double[BATCH * CLASSES];
        for (int b = 0; b < BATCH; b++) {
            targets[b * CLASSES + labels[b]] = 1.0 / BATCH;
        }
        float[] pool = pooling.weights(mask, BATCH, LENGTH);
        double[] poolD = new double[pool.length];
        double[] maskD = new double[mask.length];
        for (int i = 0; i < pool.length; i++) {
            poolD[i] = pool[i];
            maskD[i] = mask[i];
        }
        Map<String, INDArray> feeds = new HashMap<>();
        feeds.put(g.featuresName(), Nd4j.create(features, new long[]{BATCH, LENGTH, CHANNELS}, 'c'));
        feeds.put(g.poolWeightsName(), Nd4j.create(poolD, new long[]{BATCH, LENGTH}, 'c'));
        if (g.maskName() != null) {
            feeds.put(g.maskName(), Nd4j.create(maskD, new long[]{BATCH, LENGTH}, 'c'));
        }
        feeds.put(g.targetsName(), Nd4j.create(targets, new long[]{BATCH, CLASSES}, 'c'));
        return feeds;
    }

    @Test
    void poolingWeightsAverageTheRealPositionsOrPickTheLast() {
        float[] mask = {1, 1, 1, 0, 1, 0, 0, 0};
        assertArrayEquals(new float[]{1f / 3, 1f / 3, 1f / 3, 0, 1, 0, 0, 0}, Pooling.MEAN.weights(mask, 2, 4), 1e-7f);
        assertArrayEquals(new float[]{0, 0, 1, 0, 1, 0, 0, 0}, Pooling.LAST.weights(mask, 2, 4));
        assertThrows(IllegalArgumentException.class, () -> Pooling.MEAN.weights(new float[]{1, 0, 0, 0}, 2, 2));
        assertEquals(Pooling.LAST, Pooling.named("last", "task.pooling"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pooling.named("max", "task.pooling"));
        assertEquals("task.pooling must be one of [mean, last], got 'max'", e.getMessage());
    }

    @Test
    void lossIsTheMeanCrossEntropyOfTheClassLogits() {
        for (ModelConfig config : List.of(TRANSFORMER, MAMBA)) {
            SequenceClassifier classifier = new SequenceClassifier(config, CHANNELS, CLASSES, 7, DataType.DOUBLE);
            ClassifierGraph g = classifier.buildGraph(BATCH, LENGTH, true);
            Map<String, INDArray> out = g.sameDiff().output(feeds(g, Pooling.MEAN, 1), g.logits().name(), g.loss().name());
            INDArray logits = out.get(g.logits().name());
            int[] labels = {2, 0, 3};
            double expected = 0;
            for (int b = 0; b < BATCH; b++) {
                double max = logits.getRow(b).maxNumber().doubleValue();
                double sum = 0;
                for (int c = 0; c < CLASSES; c++) {
                    sum += Math.exp(logits.getDouble(b, c) - max);
                }
                expected += (Math.log(sum) + max - logits.getDouble(b, labels[b])) / BATCH;
            }
            assertEquals(expected, out.get(g.loss().name()).getDouble(0), 1e-12, config.type());
        }
    }

    @Test
    void paddedPositionsChangeNothing() {
        for (ModelConfig config : List.of(TRANSFORMER, MAMBA)) {
            SequenceClassifier classifier = new SequenceClassifier(config, CHANNELS, CLASSES, 3, DataType.DOUBLE);
            ClassifierGraph g = classifier.buildGraph(BATCH, LENGTH, true);
            Map<String, INDArray> feeds = feeds(g, Pooling.MEAN, 2);
            INDArray before = g.sameDiff().output(feeds, g.logits().name()).get(g.logits().name()).dup();
            feeds.get(g.featuresName()).putScalar(new long[]{1, LENGTH - 1, 0}, 1000.0);
            feeds.get(g.featuresName()).putScalar(new long[]{1, LENGTH - 2, 1}, -1000.0);
            INDArray after = g.sameDiff().output(feeds, g.logits().name()).get(g.logits().name());
            assertEquals(0.0, after.sub(before).amaxNumber().doubleValue(), 1e-12, config.type());
            feeds.get(g.featuresName()).putScalar(new long[]{1, 0, 0}, 1000.0);
            INDArray changed = g.sameDiff().output(feeds, g.logits().name()).get(g.logits().name());
            assertTrue(changed.sub(before).amaxNumber().doubleValue() > 1e-6, config.type() + " sees its real positions");
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        // the causal Mamba's path is the bidirectional one's forward half
        for (ModelConfig config : List.of(TRANSFORMER, BIMAMBA)) {
            SequenceClassifier classifier = new SequenceClassifier(config, CHANNELS, CLASSES, 11, DataType.DOUBLE);
            boolean padded = config != BIMAMBA;
            ClassifierGraph g = classifier.buildGraph(BATCH, LENGTH, padded);
            Map<String, INDArray> feeds = feeds(g, Pooling.MEAN, 4);
            if (!padded) {
                feeds.put(g.poolWeightsName(), Nd4j.create(Pooling.MEAN.weights(ones(), BATCH, LENGTH), new long[]{BATCH, LENGTH}, 'c')
                        .castTo(DataType.DOUBLE));
            }
            SameDiff sd = g.sameDiff();
            List<String> names = List.copyOf(classifier.parameters().keySet());
            Map<String, INDArray> gradients = sd.calculateGradients(feeds, names);
            // through the backward mixer: the reversal and its gradient; (x_proj's effect at initialisation is ~1e-14)
            String inner = config == BIMAMBA ? "backbone.layers.0.mixer_backward.in_proj.weight" : "layers.1.wv";
            for (String name : List.of("input_proj.weight", inner)) {
                INDArray p = classifier.parameters().get(name);
                for (long i : new long[]{7}) {
                    double original = p.getDouble(i);
                    double h = 1e-6;
                    p.putScalar(i, original + h);
                    double plus = sd.output(feeds, g.loss().name()).get(g.loss().name()).getDouble(0);
                    p.putScalar(i, original - h);
                    double minus = sd.output(feeds, g.loss().name()).get(g.loss().name()).getDouble(0);
                    p.putScalar(i, original);
                    double numeric = (plus - minus) / (2 * h);
                    double analytic = gradients.get(name).getDouble(i);
                    assertTrue(Math.abs(numeric) > 1e-7, "a gradient well above rounding: " + name + " " + numeric);

                    assertEquals(numeric, analytic, 1e-6 + 1e-4 * Math.abs(numeric), config.name() + " " + name + "[" + i + "]");
                }
            }
        }
    }

    private static float[] ones() {
        float[] mask = new float[BATCH * LENGTH];
        Arrays.fill(mask, 1f);
        return mask;
    }

    @Test
    void bidirectionalMambaRefusesPaddedInputAndCountsTheBackwardMixers() {
        SequenceClassifier bi = new SequenceClassifier(BIMAMBA, CHANNELS, CLASSES, 1, DataType.FLOAT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bi.buildGraph(2, 4, true));
        assertTrue(e.getMessage().contains("bidirectional"), e.getMessage());
        SequenceClassifier causal = new SequenceClassifier(model("{type: mamba, d_model: 8, n_layers: 1, d_state: 4}"),
                CHANNELS, CLASSES, 1, DataType.FLOAT);
        long mixer = causal.parameters().entrySet().stream().filter(en -> en.getKey().contains(".mixer."))
                .mapToLong(en -> en.getValue().length()).sum();
        assertEquals(causal.parameterCount() + mixer, bi.parameterCount());
        assertTrue(bi.noDecayParameterNames().contains("head.bias"));
        assertTrue(bi.noDecayParameterNames().contains("backbone.layers.0.mixer_backward.A_log"));
    }

    @Test
    void countsCorrectByArgMaxWithTheLowestClassOnTies() {
        INDArray logits = Nd4j.createFromArray(new float[][]{{0, 3, 1}, {2, 2, 0}, {0, 0, 5}});
        assertEquals(2, ClassificationTask.countCorrect(logits, new int[]{1, 0, 1}));
    }
}
