package org.ssm4j.mamba.graph;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.mamba.MambaReference;
import org.ssm4j.mamba.MambaWeights;
import org.ssm4j.mamba.hf.HuggingFaceCheckpoint;
import org.ssm4j.testing.SharedData;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ssm4j.mamba.MambaReference.relativeError;

/** The graph against Hugging Face transformers' float64 outputs and gradients for the tiny model. */
class MambaGraphFixtureTest {

    /**
     * Tolerances per graph type. DOUBLE cannot get closer than about 1e-7: the reference ran
     * transformers in float64, but its Mamba code casts A, B, the scan and the RMSNorm to
     * float32 internally ({@code .float()}), so the reference itself carries float32 rounding.
     */
    enum Precision {
        FLOAT(DataType.FLOAT, 1e-4, 1e-5, 1e-4),
        DOUBLE(DataType.DOUBLE, 1e-6, 1e-6, 1e-6);

        final DataType type;
        final double outputs;
        final double loss;
        final double gradients;

        Precision(DataType type, double outputs, double loss, double gradients) {
            this.type = type;
            this.outputs = outputs;
            this.loss = loss;
            this.gradients = gradients;
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void matchesTheReferenceOutputsLossAndGradients(Precision precision) {
        MambaWeights weights = HuggingFaceCheckpoint.read(SharedData.mambaTiny(), precision.type);
        MambaGraph graph = MambaGraph.build(weights);
        int layers = weights.config().numHiddenLayers();
        try (MambaReference ref = MambaReference.tiny()) {
            INDArray ids = ref.ids("input_ids");
            assertTrue(Arrays.stream(ids.data().asLong()).distinct().count() < ids.length(),
                    "the ids repeat tokens, so the embedding gradient checks the scatter-add of repeated ids");
            INDArray labels = MambaGraph.nextTokenLabels(ids);
            List<String> outputs = new ArrayList<>(List.of(MambaGraph.LOGITS, MambaGraph.NORM_F_OUT, MambaGraph.LOSS));
            for (int i = 0; i < layers; i++) {
                outputs.add(MambaGraph.mixerOutput(i));
                outputs.add(MambaGraph.blockOutput(i));
            }
            Map<String, INDArray> out = graph.output(ids, labels, outputs.toArray(String[]::new));
            List<String> failures = new ArrayList<>();
            double worstOutput = 0;
            double worstGradient = 0;
            for (String name : outputs) {
                if (name.equals(MambaGraph.LOSS)) {
                    continue;
                }
                assertEquals(precision.type, out.get(name).dataType(), name);
                double err = relativeError(out.get(name), ref.get(name));
                worstOutput = Math.max(worstOutput, err);
                if (!(err < precision.outputs)) {
                    failures.add(name + " relative error " + err);
                }
            }
            double loss = out.get(MambaGraph.LOSS).getDouble(0);
            double expectedLoss = ref.get("loss").getDouble(0);
            if (!(Math.abs(loss - expectedLoss) / expectedLoss < precision.loss)) {
                failures.add("loss " + loss + " vs " + expectedLoss);
            }

            MambaGraph.LossAndGradients lg = graph.lossAndGradients(ids, labels);
            assertEquals(loss, lg.loss(), Math.abs(loss) * 1e-6);
            assertEquals(weights.tensors().keySet(), lg.gradients().keySet());
            for (String name : weights.tensors().keySet()) {
                double err = relativeError(lg.gradients().get(name), ref.get("grad." + name));
                worstGradient = Math.max(worstGradient, err);
                if (!(err < precision.gradients)) {
                    failures.add("grad." + name + " relative error " + err);
                }
            }
            System.out.printf("%s: worst relative error of outputs %.2e, of gradients %.2e; loss %.9f vs %.9f%n",
                    precision, worstOutput, worstGradient, loss, expectedLoss);
            assertTrue(failures.isEmpty(), precision + ": " + failures);
        }
    }
}
