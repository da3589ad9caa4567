package org.ssm4j.experiments.models;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.experiments.config.TransformerConfig;
import org.ssm4j.experiments.tasks.InductionHeadsTask;
import org.ssm4j.experiments.tasks.SplitMix64;
import org.ssm4j.experiments.tasks.TaskBatch;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        ModelChecks.assertCausal(new TransformerModel(config(true), 6, 1, DataType.DOUBLE), new long[]{1, 4, 2, 0, 5, 3, 1}, 4, 2);
    }

    /** Backpropagated gradients against central differences of the loss, in double precision. */
    @Test
    void gradientsMatchFiniteDifferences() {
        TaskBatch batch = new InductionHeadsTask(5).sample(2, 6, new SplitMix64(8));
        for (boolean tied : new boolean[]{true, false}) {
            ModelChecks.assertGradientsMatchFiniteDifferences(new TransformerModel(config(tied), 5, 2, DataType.DOUBLE), 2, 6, batch,
                    3, 1e-5, tied ? "tied" : "untied");
        }
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
