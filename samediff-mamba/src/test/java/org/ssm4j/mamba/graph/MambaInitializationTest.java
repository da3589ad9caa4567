package org.ssm4j.mamba.graph;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.ssm4j.mamba.MambaConfig;
import org.ssm4j.mamba.MambaParameters;
import org.ssm4j.mamba.MambaWeights;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MambaInitializationTest {

    private static final MambaConfig CONFIG = MambaConfig.builder().vocabSize(512).hiddenSize(64).stateSize(8)
            .numHiddenLayers(4).tieWordEmbeddings(false).useBias(true).build();

    @Test
    void followsTheReferenceInitialisation() {
        MambaWeights w = MambaInitialization.initialize(CONFIG, DataType.DOUBLE, 7);
        MambaParameters.Layer l = MambaParameters.layer(2);
        INDArray aLog = w.get(l.aLog());
        for (int c = 0; c < 128; c += 37) {
            for (int n = 0; n < 8; n++) {
                assertEquals(Math.log(n + 1), aLog.getDouble(c, n), 0.0);
            }
        }
        assertEquals(128.0, w.get(l.d()).sumNumber().doubleValue(), 0.0);
        assertEquals(64.0, w.get(l.norm()).sumNumber().doubleValue(), 0.0);
        assertEquals(0.0, w.get(l.inProjBias()).norm1Number().doubleValue(), 0.0);
        assertEquals(0.0, w.get(l.outProjBias()).norm1Number().doubleValue(), 0.0);
        assertEquals(0.0, w.get(l.convBias()).norm1Number().doubleValue(), 0.0);

        INDArray dt = Transforms.softPlus(w.get(l.dtProjBias()), true);
        assertTrue(dt.minNumber().doubleValue() >= 0.001 - 1e-12 && dt.maxNumber().doubleValue() <= 0.1 + 1e-12,
                "softplus(dt_proj.bias) lies in [time_step_min, time_step_max]: " + dt.minNumber() + ".." + dt.maxNumber());
        // log-uniform: the median of log(dt) is near the middle of [log 0.001, log 0.1]
        double medianLog = Transforms.log(dt, true).medianNumber().doubleValue();
        assertEquals((Math.log(0.001) + Math.log(0.1)) / 2, medianLog, 0.5);

        double dtBound = 1 / Math.sqrt(CONFIG.timeStepRank());
        assertBound(w.get(l.dtProjWeight()), dtBound);
        assertBound(w.get(l.outProjWeight()), 1 / Math.sqrt(128) / Math.sqrt(4));
        assertBound(w.get(l.convWeight()), 0.5);
        assertEquals(0.02, w.get(MambaParameters.EMBEDDINGS).stdNumber().doubleValue(), 0.02 * 0.05);
        assertEquals(0.02, w.get(l.inProjWeight()).stdNumber().doubleValue(), 0.02 * 0.05);
        assertEquals(0.02, w.get(MambaParameters.LM_HEAD).stdNumber().doubleValue(), 0.02 * 0.05);
    }

    /** Every value within ±bound, and the spread uses the range (max |w| beyond 90% of it). */
    private static void assertBound(INDArray a, double bound) {
        double max = a.amaxNumber().doubleValue();
        assertTrue(max <= bound && max > 0.9 * bound, "max |w| " + max + " for bound " + bound);
    }

    @Test
    void floorsTheTimeStepAndSupportsTheConstantScheme() {
        MambaConfig c = CONFIG.toBuilder().timeStepMin(1e-6).timeStepMax(1e-5).timeStepFloor(1e-3)
                .timeStepInitScheme("constant").timeStepScale(2).build();
        MambaWeights w = MambaInitialization.initialize(c, DataType.DOUBLE, 1);
        INDArray dt = Transforms.softPlus(w.get(MambaParameters.layer(0).dtProjBias()), true);
        assertEquals(1e-3, dt.minNumber().doubleValue(), 1e-15);
        assertEquals(1e-3, dt.maxNumber().doubleValue(), 1e-15);
        INDArray weight = w.get(MambaParameters.layer(0).dtProjWeight());
        assertEquals(2 / Math.sqrt(c.timeStepRank()), weight.minNumber().doubleValue(), 1e-15);
        assertEquals(2 / Math.sqrt(c.timeStepRank()), weight.maxNumber().doubleValue(), 1e-15);
        assertEquals(0.5, MambaInitialization.inverseSoftplus(Math.log1p(Math.exp(0.5))), 1e-15);
    }

    @Test
    void isDeterministicPerSeedAndTyped() {
        MambaWeights a = MambaInitialization.initialize(CONFIG, DataType.FLOAT, 42);
        MambaWeights b = MambaInitialization.initialize(CONFIG, DataType.FLOAT, 42);
        MambaWeights c = MambaInitialization.initialize(CONFIG, DataType.FLOAT, 43);
        assertEquals(DataType.FLOAT, a.dataType());
        String name = MambaParameters.layer(1).xProjWeight();
        assertArrayEquals(a.get(name).data().asFloat(), b.get(name).data().asFloat());
        assertFalse(a.get(name).equalsWithEps(c.get(name), 0.0));
    }

    @Test
    void noWeightDecayCoversALogDNormsAndBiases() {
        Set<String> noDecay = MambaParameters.of(CONFIG).noWeightDecay();
        MambaParameters.Layer l = MambaParameters.layer(3);
        for (String name : new String[]{l.aLog(), l.d(), l.norm(), l.inProjBias(), l.convBias(), l.dtProjBias(),
                l.outProjBias(), MambaParameters.NORM_F}) {
            assertTrue(noDecay.contains(name), name);
        }
        for (String name : new String[]{l.inProjWeight(), l.convWeight(), l.xProjWeight(), l.dtProjWeight(),
                l.outProjWeight(), MambaParameters.EMBEDDINGS, MambaParameters.LM_HEAD}) {
            assertFalse(noDecay.contains(name), name);
        }
        assertEquals(1 + 4 * 7, noDecay.size(), "norm_f and seven per layer");
    }
}
