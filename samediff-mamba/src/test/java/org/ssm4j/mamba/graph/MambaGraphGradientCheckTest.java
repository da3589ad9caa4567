package org.ssm4j.mamba.graph;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.mamba.MambaConfig;
import org.ssm4j.mamba.MambaParameters;
import org.ssm4j.mamba.MambaWeights;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The configurations the fixture does not cover (linear biases, no conv bias, an untied and
 * padded LM head, ignored labels) against central finite differences, in DOUBLE: for each
 * parameter tensor, the derivative of the loss along a random direction equals the gradient's
 * dot product with that direction.
 */
class MambaGraphGradientCheckTest {

    private static final MambaConfig CONFIG = MambaConfig.builder().vocabSize(21).padVocabSizeMultiple(8)
            .hiddenSize(8).stateSize(4).numHiddenLayers(2).convKernel(3).timeStepRank(2).useBias(true)
            .useConvBias(false).tieWordEmbeddings(false).initializerRange(0.5).rescalePrenormResidual(false).build();

    @Test
    void biasesAndTheUntiedHeadMatchFiniteDifferences() {
        MambaParameters.Layer l = MambaParameters.layer(1);
        check(List.of(l.inProjBias(), l.outProjBias(), MambaParameters.LM_HEAD));
    }

    @Test
    @Tag("slow")
    void everyParameterMatchesFiniteDifferences() {
        check(MambaParameters.of(CONFIG).names());
    }

    private static void check(List<String> names) {
        MambaWeights weights = MambaInitialization.initialize(CONFIG, DataType.DOUBLE, 11);
        SplittableRandom random = new SplittableRandom(5);
        for (String name : MambaParameters.of(CONFIG).noWeightDecay()) {
            if (name.endsWith(".bias")) {
                weights.get(name).addi(FiniteDifferences.randomLike(weights.get(name), random).muli(0.3));
            }
        }
        MambaGraph graph = MambaGraph.build(weights);
        INDArray ids = Nd4j.createFromArray(new long[][]{{3, 7, 3, 20, 0, 5}, {1, 1, 9, 4, 3, 2}});
        INDArray labels = MambaGraph.nextTokenLabels(ids);
        labels.putScalar(new long[]{1, 2}, MambaGraph.IGNORE_LABEL);
        assertArrayEquals(new long[]{2, 6, 24}, graph.logits(ids).shape(), "logits cover the padded vocabulary");
        assertEquals(0.0, FiniteDifferences.loss(graph, ids, Nd4j.valueArrayOf(ids.shape(), MambaGraph.IGNORE_LABEL, DataType.INT64)),
                "every label ignored: loss 0, not 0/0");

        List<String> failures = FiniteDifferences.failures(graph, weights, ids, labels, names, random, false);
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }
}
