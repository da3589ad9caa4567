package org.ssm4j.experiments.models;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.ssm4j.experiments.config.SsmConfig;
import org.ssm4j.experiments.tasks.SelectiveCopyingTask;
import org.ssm4j.experiments.tasks.SplitMix64;
import org.ssm4j.experiments.tasks.TaskBatch;
import org.ssm4j.mamba.MambaConfig;
import org.ssm4j.mamba.MambaParameters;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MambaSequenceModelTest {

    private static final SsmConfig CONFIG = new SsmConfig("mamba", "mamba", 8, 2, 4, 3, 2, 0, true, false);

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

    @Test
    void parametersAndNoDecaySetAreSamediffMambas() {
        MambaSequenceModel model = new MambaSequenceModel(CONFIG, 6, 1, DataType.FLOAT);
        MambaParameters expected = MambaParameters.of(MambaSequenceModel.mambaConfig(CONFIG, 6));
        assertEquals(expected.names(), List.copyOf(model.parameters().keySet()));
        assertEquals(expected.count(), model.parameterCount());
        assertEquals(expected.noWeightDecay(), model.noDecayParameterNames());
        assertTrue(model.noDecayParameterNames().contains("backbone.layers.1.mixer.A_log"));
        assertThrows(IllegalArgumentException.class,
                () -> new MambaSequenceModel(new SsmConfig("lti", "lti", 8, 2, 4, 3, 2, 0, true, false), 6, 1, DataType.FLOAT));
    }

    @Test
    void logitsAtAPositionDependOnlyOnTokensUpToIt() {
        ModelChecks.assertCausal(new MambaSequenceModel(CONFIG, 6, 1, DataType.DOUBLE), new long[]{1, 4, 2, 0, 5, 3, 1}, 4, 2);
    }

    /** The answer loss on samediff-mamba's graph: backpropagated gradients against central differences. */
    @Test
    void answerLossGradientsMatchFiniteDifferences() {
        TaskBatch batch = new SelectiveCopyingTask(6, 2).sample(2, 9, new SplitMix64(3));
        ModelChecks.assertGradientsMatchFiniteDifferences(new MambaSequenceModel(CONFIG, 6, 2, DataType.DOUBLE), 2, 9, batch,
                2, 1e-6, "mamba");
    }

    @Test
    void memoryEstimateIsLinearInTheLength() {
        MambaSequenceModel model = new MambaSequenceModel(CONFIG, 6, 1, DataType.FLOAT);
        assertEquals(2 * model.estimateForwardBytes(4, 1 << 14), model.estimateForwardBytes(4, 1 << 15));
    }
}
