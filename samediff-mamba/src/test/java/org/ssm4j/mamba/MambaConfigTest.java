package org.ssm4j.mamba;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ssm4j.testing.SharedData;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MambaConfigTest {

    private static MambaConfig fixtureConfig() {
        return MambaConfig.read(SharedData.mambaTiny().resolve("config.json"));
    }

    @Test
    void readsTheFixtureConfig() {
        MambaConfig c = fixtureConfig();
        assertEquals(256, c.vocabSize());
        assertEquals(256, c.paddedVocabSize());
        assertEquals(64, c.hiddenSize());
        assertEquals(16, c.stateSize());
        assertEquals(2, c.numHiddenLayers());
        assertEquals(128, c.intermediateSize());
        assertEquals(4, c.convKernel());
        assertEquals(4, c.timeStepRank());
        assertEquals(36, c.xProjSize());
        assertEquals(false, c.useBias());
        assertEquals(true, c.useConvBias());
        assertEquals(1e-5, c.layerNormEpsilon());
        assertEquals(true, c.tieWordEmbeddings());
        assertEquals(0.1, c.initializerRange());
        assertEquals(0, c.eosTokenId());
    }

    @Test
    void writesAConfigThatReadsBackEqual(@TempDir Path dir) {
        MambaConfig c = fixtureConfig().toBuilder().useBias(true).tieWordEmbeddings(false).padTokenId(null)
                .padVocabSizeMultiple(8).vocabSize(250).expand(1.5).intermediateSize(96).build();
        c.write(dir.resolve("config.json"), "float32");
        assertEquals(c, MambaConfig.read(dir.resolve("config.json")));
        assertEquals(256, c.paddedVocabSize());
        assertNull(MambaConfig.read(dir.resolve("config.json")).padTokenId());
    }

    @Test
    void autoTimeStepRankIsCeilingOfHiddenOver16() {
        ObjectNode json = fixtureConfig().toJson(null);
        json.put("time_step_rank", "auto");
        json.put("hidden_size", 72);
        json.remove("intermediate_size");
        MambaConfig c = MambaConfig.fromJson(json);
        assertEquals(5, c.timeStepRank());
        assertEquals(144, c.intermediateSize());
        assertEquals(5, MambaConfig.builder().hiddenSize(72).build().timeStepRank());
    }

    @Test
    void unknownFieldsThatMayChangeTheMathAreErrors() {
        ObjectNode json = fixtureConfig().toJson(null);
        json.put("num_heads", 8);
        json.put("chunk_size", 256);
        json.put("transformers_version", "9.9");
        var e = assertThrows(IllegalArgumentException.class, () -> MambaConfig.fromJson(json));
        assertTrue(e.getMessage().contains("[num_heads, chunk_size]"), e.getMessage());
    }

    @Test
    void rejectsOtherModelsActivationsAndInconsistentSizes() {
        ObjectNode json = fixtureConfig().toJson(null);
        assertMessage(json.deepCopy().put("model_type", "mamba2"), "model_type is 'mamba2'; expected 'mamba'");
        assertMessage(json.deepCopy().put("hidden_act", "gelu"), "hidden_act 'gelu' is not supported");
        assertMessage(json.deepCopy().put("intermediate_size", 100), "intermediate_size 100 does not match expand 2.0");
        assertMessage(json.deepCopy().put("rms_norm", false), "rms_norm is false");
        assertMessage(json.deepCopy().put("d_model", 32), "d_model 32 disagrees with hidden_size 64");
        assertMessage(json.deepCopy().put("state_size", "16"), "state_size must be an integer, got \"16\"");
        assertMessage(json.deepCopy().put("eos_token_id", 256), "eos_token_id 256 is outside the vocabulary [0, 256)");
        assertMessage(json.deepCopy().put("time_step_init_scheme", "normal"), "time_step_init_scheme 'normal'");
        ObjectNode ssm = json.deepCopy();
        ssm.putObject("ssm_cfg").put("d_state", 8);
        assertMessage(ssm, "ssm_cfg {\"d_state\":8} overrides the mixer");
    }

    @Test
    void builderDefaultsAreTheReferenceOnes() {
        MambaConfig c = MambaConfig.builder().vocabSize(1000).hiddenSize(128).numHiddenLayers(3).build();
        assertEquals(256, c.intermediateSize());
        assertEquals(8, c.timeStepRank());
        assertEquals(false, c.useBias());
        assertEquals(0.02, c.initializerRange());
        assertEquals(true, c.rescalePrenormResidual());
    }

    private static void assertMessage(ObjectNode json, String expected) {
        var e = assertThrows(IllegalArgumentException.class, () -> MambaConfig.fromJson(json));
        assertTrue(e.getMessage().contains(expected), () -> "message '" + e.getMessage() + "' lacks '" + expected + "'");
    }
}
