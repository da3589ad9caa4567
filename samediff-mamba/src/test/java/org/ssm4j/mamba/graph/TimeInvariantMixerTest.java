package org.ssm4j.mamba.graph;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.ssm4j.mamba.MambaConfig;
import org.ssm4j.mamba.MambaLM;
import org.ssm4j.mamba.MambaParameters;
import org.ssm4j.mamba.MambaWeights;
import org.ssm4j.mamba.MixerKind;
import org.ssm4j.mamba.generate.RecurrentMamba;
import org.ssm4j.mamba.hf.HuggingFaceCheckpoint;
import org.ssm4j.safetensors.DType;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The time-invariant (LTI) mixer: its parameters, initialisation, the recurrence it computes
 * (written out here with constant Δ, B and C per channel) and its gradients against finite
 * differences, in DOUBLE on a tiny model.
 */
class TimeInvariantMixerTest {

    private static final MambaConfig CONFIG = MambaConfig.builder().vocabSize(13).hiddenSize(8).stateSize(4)
            .numHiddenLayers(2).convKernel(3).initializerRange(0.5).rescalePrenormResidual(false)
            .bosTokenId(null).eosTokenId(null).padTokenId(null).build();
    private static final INDArray IDS = Nd4j.createFromArray(new long[][]{{3, 7, 3, 12, 0, 5, 9}, {1, 1, 9, 4, 3, 2, 2}});

    /** LTI weights with every parameter moved off its initial value, so that no gradient hides behind a symmetric start. */
    private static MambaWeights perturbedWeights() {
        MambaWeights weights = MambaInitialization.initialize(CONFIG, MixerKind.TIME_INVARIANT, DataType.DOUBLE, 11);
        SplittableRandom random = new SplittableRandom(5);
        for (var e : weights.tensors().entrySet()) {
            e.getValue().addi(FiniteDifferences.randomLike(e.getValue(), random).muli(0.2));
        }
        return weights;
    }

    @Test
    void hasPerChannelStepSizesAndMatricesInsteadOfTheProjections() {
        MambaParameters lti = MambaParameters.of(CONFIG, MixerKind.TIME_INVARIANT);
        MambaParameters selective = MambaParameters.of(CONFIG);
        MambaParameters.Layer l = MambaParameters.layer(1);
        assertEquals("backbone.layers.1.mixer.dt_bias", l.dtBias());
        assertEquals("backbone.layers.1.mixer.B", l.b());
        assertEquals("backbone.layers.1.mixer.C", l.c());
        long e = CONFIG.intermediateSize();
        long n = CONFIG.stateSize();
        assertEquals(List.of(e), boxed(lti.spec(l.dtBias()).shape()));
        assertEquals(List.of(e, n), boxed(lti.spec(l.b()).shape()));
        assertEquals(List.of(e, n), boxed(lti.spec(l.c()).shape()));
        for (String name : new String[]{l.xProjWeight(), l.dtProjWeight(), l.dtProjBias()}) {
            assertThrows(IllegalArgumentException.class, () -> lti.spec(name), name);
        }
        long perLayerDifference = e + 2 * e * n - (CONFIG.xProjSize() * e + e * CONFIG.timeStepRank() + e);
        assertEquals(selective.count() + CONFIG.numHiddenLayers() * perLayerDifference, lti.count());

        Set<String> noDecay = lti.noWeightDecay();
        for (String name : new String[]{l.dtBias(), l.aLog(), l.d(), l.norm(), l.convBias(), MambaParameters.NORM_F}) {
            assertTrue(noDecay.contains(name), name);
        }
        for (String name : new String[]{l.b(), l.c(), l.inProjWeight(), l.convWeight(), l.outProjWeight(),
                MambaParameters.EMBEDDINGS}) {
            assertFalse(noDecay.contains(name), name);
        }
        assertEquals(1 + 5 * CONFIG.numHiddenLayers(), noDecay.size(), "norm_f; norm, conv bias, dt_bias, A_log, D per layer");
    }

    @Test
    void startsAsS4DReal() {
        MambaConfig wide = MambaConfig.builder().vocabSize(13).hiddenSize(64).stateSize(16).numHiddenLayers(2).build();
        MambaWeights w = MambaInitialization.initialize(wide, MixerKind.TIME_INVARIANT, DataType.DOUBLE, 3);
        assertEquals(MixerKind.TIME_INVARIANT, w.mixer());
        MambaParameters.Layer l = MambaParameters.layer(1);
        INDArray b = w.get(l.b());
        assertEquals(1.0, b.minNumber().doubleValue(), 0.0);
        assertEquals(1.0, b.maxNumber().doubleValue(), 0.0);
        assertEquals(1 / Math.sqrt(16), w.get(l.c()).stdNumber().doubleValue(), 0.25 * 0.05);
        assertEquals(Math.log(16), w.get(l.aLog()).getDouble(5, 15), 0.0);
        INDArray dt = Transforms.softPlus(w.get(l.dtBias()), true);
        assertTrue(dt.minNumber().doubleValue() >= 0.001 - 1e-12 && dt.maxNumber().doubleValue() <= 0.1 + 1e-12,
                "softplus(dt_bias) lies in [time_step_min, time_step_max]: " + dt.minNumber() + ".." + dt.maxNumber());
        assertTrue(dt.maxNumber().doubleValue() > 10 * dt.minNumber().doubleValue(), "channels get different time scales");
    }

    /**
     * The graph's first mixer output against the block written out in plain Java with Δ, B and
     * C the same at every position and for every sequence: in_proj, causal convolution + SiLU,
     * {@code h ← exp(Δ·A)·h + Δ·B·u}, {@code y = C·h + D·u}, gate, out_proj.
     */
    @Test
    void computesTheTimeInvariantRecurrence() {
        MambaWeights w = perturbedWeights();
        MambaGraph graph = MambaGraph.build(w);
        assertEquals(MixerKind.TIME_INVARIANT, graph.mixer());
        INDArray actual = graph.output(IDS, null, MambaGraph.mixerOutput(0)).get(MambaGraph.mixerOutput(0));
        INDArray expected = referenceFirstMixer(w, IDS);
        double error = actual.sub(expected).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
        assertTrue(error < 1e-12, "relative error " + error);
    }

    /**
     * The named step sizes of each layer are softplus(dt_bias) at every position of every
     * sequence, whatever the tokens; a selective model's vary along the sequence.
     */
    @Test
    void stepSizesAreTheSameAtEveryPositionForEveryInput() {
        MambaWeights w = perturbedWeights();
        MambaGraph graph = MambaGraph.build(w);
        for (int layer = 0; layer < CONFIG.numHiddenLayers(); layer++) {
            INDArray delta = graph.output(IDS, null, MambaBlocks.deltaOutput(layer)).get(MambaBlocks.deltaOutput(layer));
            INDArray expected = Transforms.softPlus(w.get(MambaParameters.layer(layer).dtBias()), true);
            for (int s = 0; s < IDS.size(0); s++) {
                for (int t = 0; t < IDS.size(1); t++) {
                    INDArray row = delta.get(NDArrayIndex.point(s), NDArrayIndex.point(t), NDArrayIndex.all());
                    assertEquals(0.0, row.sub(expected).amaxNumber().doubleValue(), 1e-15, "layer " + layer + " at " + s + ", " + t);
                }
            }
        }
        MambaGraph selective = MambaGraph.build(MambaInitialization.initialize(CONFIG, DataType.DOUBLE, 11));
        INDArray delta = selective.output(IDS, null, MambaBlocks.deltaOutput(0)).get(MambaBlocks.deltaOutput(0));
        INDArray first = delta.get(NDArrayIndex.point(0), NDArrayIndex.point(0), NDArrayIndex.all());
        INDArray second = delta.get(NDArrayIndex.point(0), NDArrayIndex.point(1), NDArrayIndex.all());
        assertTrue(first.sub(second).amaxNumber().doubleValue() > 1e-6, "a selective mixer's step sizes depend on the token");
    }

    /** The per-channel parameters spread over the batch and the positions (dt_bias, B, C, A_log, D) and the convolution before the scan. */
    @Test
    void gradientsOfTheTimeInvariantParametersMatchFiniteDifferences() {
        MambaParameters.Layer l = MambaParameters.layer(0);
        checkGradients(List.of(l.dtBias(), l.b(), l.c(), l.aLog(), l.d(), l.convWeight()));
    }

    @Test
    @Tag("slow")
    void gradientsOfEveryParameterMatchFiniteDifferences() {
        checkGradients(MambaParameters.of(CONFIG, MixerKind.TIME_INVARIANT).names());
    }

    private static void checkGradients(List<String> names) {
        MambaWeights weights = perturbedWeights();
        MambaGraph graph = MambaGraph.build(weights);
        INDArray labels = MambaGraph.nextTokenLabels(IDS);
        SplittableRandom random = new SplittableRandom(9);
        List<String> failures = FiniteDifferences.failures(graph, weights, IDS, labels, names, random, true);
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    void hasNoHuggingFaceOrRecurrentForm(@TempDir Path dir) {
        MambaWeights w = MambaInitialization.initialize(CONFIG, MixerKind.TIME_INVARIANT, DataType.FLOAT, 1);
        var e = assertThrows(IllegalArgumentException.class, () -> HuggingFaceCheckpoint.write(w, dir, DType.F32));
        assertTrue(e.getMessage().contains("TIME_INVARIANT"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MambaLM.fromWeights(w));
        assertThrows(IllegalArgumentException.class, () -> RecurrentMamba.create(w));
        var wrongKind = assertThrows(IllegalArgumentException.class, () -> new MambaWeights(CONFIG, w.tensors()));
        assertTrue(wrongKind.getMessage().contains("x_proj.weight") && wrongKind.getMessage().contains("dt_bias"),
                wrongKind.getMessage());
    }

    /** Layer 0's mixer output (batch, length, d_model), computed position by position. */
    private static INDArray referenceFirstMixer(MambaWeights w, INDArray ids) {
        MambaParameters.Layer l = MambaParameters.layer(0);
        int d = CONFIG.hiddenSize();
        int e = CONFIG.intermediateSize();
        int n = CONFIG.stateSize();
        int k = CONFIG.convKernel();
        double[][] embeddings = w.get(MambaParameters.EMBEDDINGS).toDoubleMatrix();
        double[] norm = w.get(l.norm()).toDoubleVector();
        double[][] inProj = w.get(l.inProjWeight()).toDoubleMatrix();
        double[][] conv = w.get(l.convWeight()).reshape(e, k).toDoubleMatrix();
        double[] convBias = w.get(l.convBias()).toDoubleVector();
        double[] dtBias = w.get(l.dtBias()).toDoubleVector();
        double[][] aLog = w.get(l.aLog()).toDoubleMatrix();
        double[][] b = w.get(l.b()).toDoubleMatrix();
        double[][] c = w.get(l.c()).toDoubleMatrix();
        double[] skip = w.get(l.d()).toDoubleVector();
        double[][] outProj = w.get(l.outProjWeight()).toDoubleMatrix();
        int batch = (int) ids.size(0);
        int length = (int) ids.size(1);
        INDArray out = Nd4j.create(DataType.DOUBLE, batch, length, d);
        for (int s = 0; s < batch; s++) {
            double[][] x = new double[length][e];
            double[][] z = new double[length][e];
            for (int t = 0; t < length; t++) {
                double[] hidden = embeddings[ids.getInt(s, t)];
                double meanSquare = 0;
                for (double v : hidden) {
                    meanSquare += v * v / d;
                }
                double scale = 1 / Math.sqrt(meanSquare + CONFIG.layerNormEpsilon());
                for (int row = 0; row < 2 * e; row++) {
                    double sum = 0;
                    for (int j = 0; j < d; j++) {
                        sum += inProj[row][j] * hidden[j] * scale * norm[j];
                    }
                    (row < e ? x[t] : z[t])[row % e] = sum;
                }
            }
            double[][] state = new double[e][n];
            for (int t = 0; t < length; t++) {
                double[] y = new double[e];
                for (int ch = 0; ch < e; ch++) {
                    double u = convBias[ch];
                    for (int j = 0; j < k; j++) {
                        int from = t - (k - 1) + j;
                        u += from >= 0 ? conv[ch][j] * x[from][ch] : 0;
                    }
                    u = silu(u);
                    double delta = Math.log1p(Math.exp(dtBias[ch]));
                    double sum = skip[ch] * u;
                    for (int m = 0; m < n; m++) {
                        state[ch][m] = Math.exp(-delta * Math.exp(aLog[ch][m])) * state[ch][m] + delta * b[ch][m] * u;
                        sum += c[ch][m] * state[ch][m];
                    }
                    y[ch] = sum * silu(z[t][ch]);
                }
                for (int row = 0; row < d; row++) {
                    double sum = 0;
                    for (int ch = 0; ch < e; ch++) {
                        sum += outProj[row][ch] * y[ch];
                    }
                    out.putScalar(new int[]{s, t, row}, sum);
                }
            }
        }
        return out;
    }

    private static double silu(double v) {
        return v / (1 + Math.exp(-v));
    }

    private static List<Long> boxed(long[] shape) {
        return java.util.Arrays.stream(shape).boxed().toList();
    }
}
