package org.ssm4j.mamba.graph;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.ssm4j.mamba.MambaConfig;
import org.ssm4j.mamba.MambaParameters;
import org.ssm4j.mamba.MambaWeights;
import org.ssm4j.mamba.MixerKind;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MambaBlocksTest {

    private static final MambaConfig CONFIG = MambaConfig.builder().vocabSize(11).hiddenSize(16).stateSize(4)
            .numHiddenLayers(2).build();
    private static final int BATCH = 2;
    private static final int LENGTH = 7;

    /** A (batch, length, hidden) input: the embeddings of fixed ids, so MambaGraph can see the same sequence. */
    private static INDArray ids() {
        return Nd4j.createFromArray(new long[][]{{1, 4, 2, 9, 0, 3, 3}, {10, 5, 6, 7, 8, 1, 2}});
    }

    private static INDArray embed(MambaWeights w, INDArray ids) {
        INDArray out = Nd4j.create(DataType.DOUBLE, BATCH, LENGTH, CONFIG.hiddenSize());
        for (int b = 0; b < BATCH; b++) {
            for (int t = 0; t < LENGTH; t++) {
                out.get(NDArrayIndex.point(b), NDArrayIndex.point(t), NDArrayIndex.all())
                        .assign(w.get(MambaParameters.EMBEDDINGS).getRow(ids.getLong(b, t)));
            }
        }
        return out;
    }

    /** The blocks on a placeholder input, with the given outputs computed. */
    private static Map<String, INDArray> runBlocks(Map<String, INDArray> params, INDArray hidden, boolean bidirectional,
                                                   String... extra) {
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> vars = new LinkedHashMap<>();
        params.forEach((name, array) -> vars.put(name, sd.var(name, array)));
        SDVariable input = sd.placeHolder("hidden", DataType.DOUBLE, -1, -1, CONFIG.hiddenSize());
        MambaBlocks.apply(sd, CONFIG, MixerKind.SELECTIVE, input, vars, bidirectional).rename("out");
        String[] outputs = new String[extra.length + 1];
        outputs[0] = "out";
        System.arraycopy(extra, 0, outputs, 1, extra.length);
        return sd.output(Map.of("hidden", hidden), outputs);
    }

    @Test
    void causalBlocksMatchTheLanguageModelsBackbone() {
        MambaWeights w = MambaInitialization.initialize(CONFIG, DataType.DOUBLE, 3);
        Map<String, INDArray> params = new LinkedHashMap<>();
        MambaBlocks.specs(CONFIG, MixerKind.SELECTIVE, false).keySet().forEach(name -> params.put(name, w.get(name)));
        INDArray expected = MambaGraph.build(w).output(ids(), null, MambaGraph.NORM_F_OUT).get(MambaGraph.NORM_F_OUT);
        INDArray actual = runBlocks(params, embed(w, ids()), false).get("out").reshape(BATCH, LENGTH, CONFIG.hiddenSize());
        assertEquals(0.0, actual.sub(expected).amaxNumber().doubleValue(), 1e-12);
    }

    @Test
    void bidirectionalBlocksAddTheBackwardScanOfTheReversedSequence() {
        MambaConfig one = CONFIG.toBuilder().numHiddenLayers(1).build();
        MambaWeights w = MambaInitialization.initialize(one, DataType.DOUBLE, 5);
        // backward mixer = forward mixer: the layer's update must be m(h) + reverse(m(reverse(h)))
        Map<String, INDArray> params = new LinkedHashMap<>();
        MambaParameters.Layer f = MambaParameters.layer(0);
        MambaParameters.Layer b = MambaBlocks.backwardMixer(0);
        for (String name : MambaBlocks.specs(one, MixerKind.SELECTIVE, true).keySet()) {
            params.put(name, w.get(name.replace(".mixer_backward.", ".mixer.")));
        }
        assertEquals(b.aLog().replace(".mixer_backward.", ".mixer."), f.aLog());
        INDArray hidden = embed(w, ids());

        MambaGraph causal = MambaGraph.build(w);
        INDArray mixer = causal.output(ids(), null, MambaGraph.mixerOutput(0)).get(MambaGraph.mixerOutput(0));
        INDArray reversedIds = reverseTime(ids());
        INDArray mixerOfReversed = causal.output(reversedIds, null, MambaGraph.mixerOutput(0)).get(MambaGraph.mixerOutput(0));
        INDArray residual = hidden.add(mixer).add(reverseTime(mixerOfReversed));
        INDArray expected = rmsNorm(residual, w.get(MambaParameters.NORM_F), one.layerNormEpsilon());

        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> vars = new LinkedHashMap<>();
        params.forEach((name, array) -> vars.put(name, sd.var(name, array)));
        SDVariable input = sd.placeHolder("hidden", DataType.DOUBLE, -1, -1, one.hiddenSize());
        MambaBlocks.apply(sd, one, MixerKind.SELECTIVE, input, vars, true).rename("out");
        Map<String, INDArray> out = sd.output(Map.of("hidden", hidden), "out", MambaBlocks.deltaOutput(0),
                MambaBlocks.backwardDeltaOutput(0));
        INDArray actual = out.get("out").reshape(BATCH, LENGTH, one.hiddenSize());
        assertEquals(0.0, actual.sub(expected).amaxNumber().doubleValue(), 1e-12);

        INDArray forwardDeltaOfReversed = causal.output(reversedIds, null, MambaBlocks.deltaOutput(0)).get(MambaBlocks.deltaOutput(0));
        assertEquals(0.0, out.get(MambaBlocks.backwardDeltaOutput(0)).sub(forwardDeltaOfReversed).amaxNumber().doubleValue(), 1e-12,
                "the backward mixer's Δ is the forward mixer's on the reversed sequence, in scan order");
        assertNotEquals(0.0, out.get(MambaBlocks.deltaOutput(0)).sub(forwardDeltaOfReversed).amaxNumber().doubleValue());
    }

    @Test
    void deltaIsTheSoftplusOfTheStepProjectionPlusItsBias() {
        MambaConfig one = CONFIG.toBuilder().numHiddenLayers(1).build();
        MambaWeights w = MambaInitialization.initialize(one, DataType.DOUBLE, 9);
        INDArray delta = MambaGraph.build(w).output(ids(), null, MambaBlocks.deltaOutput(0)).get(MambaBlocks.deltaOutput(0));
        assertEquals(3, delta.rank());
        assertEquals(one.intermediateSize(), delta.size(2));
        assertTrue(delta.minNumber().doubleValue() > 0);
        // with zero step projection, Δ is softplus(bias) everywhere: the initial 0.001–0.1 steps
        MambaParameters.Layer l = MambaParameters.layer(0);
        Map<String, INDArray> tensors = new LinkedHashMap<>(w.tensors());
        tensors.put(l.dtProjWeight(), Nd4j.zeros(DataType.DOUBLE, w.get(l.dtProjWeight()).shape()));
        INDArray flat = MambaGraph.build(new MambaWeights(one, tensors)).output(ids(), null, MambaBlocks.deltaOutput(0))
                .get(MambaBlocks.deltaOutput(0));
        INDArray bias = w.get(l.dtProjBias());
        for (int c = 0; c < one.intermediateSize(); c += 5) {
            double softplus = Math.log1p(Math.exp(bias.getDouble(c)));
            assertEquals(softplus, flat.getDouble(1, 3, c), 1e-12);
        }
    }

    @Test
    void specsAndInitialisationNameTheBackwardMixers() {
        Map<String, MambaParameters.Spec> causal = MambaBlocks.specs(CONFIG, MixerKind.SELECTIVE, false);
        Map<String, MambaParameters.Spec> both = MambaBlocks.specs(CONFIG, MixerKind.SELECTIVE, true);
        assertFalse(causal.containsKey(MambaParameters.EMBEDDINGS));
        assertTrue(causal.containsKey(MambaParameters.NORM_F));
        long mixerParameters = causal.keySet().stream().filter(n -> n.contains(".mixer.")).count();
        assertEquals(causal.size() + mixerParameters, both.size());
        assertTrue(both.containsKey(MambaBlocks.backwardMixer(1).aLog()));
        assertFalse(both.get(MambaBlocks.backwardMixer(1).aLog()).weightDecay());
        Map<String, INDArray> init = MambaBlocks.initialize(CONFIG, MixerKind.SELECTIVE, true, DataType.FLOAT, 4);
        assertEquals(both.keySet(), init.keySet());
        INDArray forwardInProj = init.get(MambaParameters.layer(0).inProjWeight());
        INDArray backwardInProj = init.get(MambaBlocks.backwardMixer(0).inProjWeight());
        assertNotEquals(forwardInProj, backwardInProj, "the two directions start from different weights");
        assertEquals(MambaInitialization.initialize(CONFIG, DataType.FLOAT, 4).get(MambaParameters.layer(0).inProjWeight()),
                forwardInProj);
    }

    /** The sequences of a (batch, length, ...) array back to front. */
    private static INDArray reverseTime(INDArray x) {
        INDArray out = x.ulike();
        long length = x.size(1);
        for (long t = 0; t < length; t++) {
            out.get(NDArrayIndex.all(), NDArrayIndex.point(t)).assign(x.get(NDArrayIndex.all(), NDArrayIndex.point(length - 1 - t)));
        }
        return out;
    }

    private static INDArray rmsNorm(INDArray x, INDArray weight, double eps) {
        long width = x.size(2);
        INDArray rows = x.reshape(-1, width);
        INDArray meanSquare = rows.mul(rows).mean(true, 1);
        return rows.divColumnVector(Transforms.sqrt(meanSquare.add(eps), false)).mulRowVector(weight).reshape(x.shape());
    }
}
