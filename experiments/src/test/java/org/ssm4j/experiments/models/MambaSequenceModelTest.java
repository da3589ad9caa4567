package org.ssm4j.experiments.models;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.ssm4j.experiments.config.SsmConfig;
import org.ssm4j.experiments.tasks.SelectiveCopyingTask;
import org.ssm4j.experiments.tasks.SplitMix64;
import org.ssm4j.experiments.tasks.TaskBatch;
import org.ssm4j.mamba.MambaConfig;
import org.ssm4j.mamba.MambaParameters;
import org.ssm4j.mamba.MixerKind;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MambaSequenceModelTest {

    private static final SsmConfig CONFIG = new SsmConfig("mamba", "mamba", 8, 2, 4, 3, 2, 0, true, false);
    private static final SsmConfig LTI = new SsmConfig("lti", "lti", 8, 2, 4, 3, 2, 0, true, false);

    private static SsmConfig config(String type) {
        return type.equals(SsmConfig.LTI) ? LTI : CONFIG;
    }

    @Test
    void mapsTheExperimentConfigOntoMambaConfig() {
        MambaConfig c = MambaSequenceModel.mambaConfig(new SsmConfig("mamba", "m", 48, 3, 8, 4, 2, 0, false, false), 16);
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
        ModelChecks.assertCausal(new MambaSequenceModel(config(type), 6, 1, DataType.DOUBLE), new long[]{1, 4, 2, 0, 5, 3, 1}, 4, 2);
    }

    /** The answer loss on samediff-mamba's graph: backpropagated gradients against central differences. */
    @ParameterizedTest
    @ValueSource(strings = {SsmConfig.MAMBA, SsmConfig.LTI})
    void answerLossGradientsMatchFiniteDifferences(String type) {
        TaskBatch batch = new SelectiveCopyingTask(6, 2).sample(2, 9, new SplitMix64(3));
        ModelChecks.assertGradientsMatchFiniteDifferences(new MambaSequenceModel(config(type), 6, 2, DataType.DOUBLE), 2, 9, batch,
                2, 1e-6, type);
    }

    @ParameterizedTest
    @ValueSource(strings = {SsmConfig.MAMBA, SsmConfig.LTI})
    void memoryEstimateIsLinearInTheLength(String type) {
        MambaSequenceModel model = new MambaSequenceModel(config(type), 6, 1, DataType.FLOAT);
        assertEquals(2 * model.estimateForwardBytes(4, 1 << 14), model.estimateForwardBytes(4, 1 << 15));
    }

    @Test
    void theLtiModelsStateSizedActivationsCountInItsMemoryEstimate() {
        long selective = new MambaSequenceModel(CONFIG, 6, 1, DataType.FLOAT).estimateForwardBytes(4, 64);
        long lti = new MambaSequenceModel(LTI, 6, 1, DataType.FLOAT).estimateForwardBytes(4, 64);
        long perPairActivation = 4L * 64 * 16 * 4 * Float.BYTES;
        assertTrue(lti - selective > LTI.nLayers() * 3 * perPairActivation,
                "(batch, length, d_inner·d_state) activations in every layer: " + lti + " vs " + selective);
    }
}
