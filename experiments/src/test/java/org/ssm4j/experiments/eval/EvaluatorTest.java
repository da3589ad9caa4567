package org.ssm4j.experiments.eval;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.experiments.config.TransformerConfig;
import org.ssm4j.experiments.models.ModelGraph;
import org.ssm4j.experiments.models.TransformerModel;
import org.ssm4j.experiments.tasks.SelectiveCopyingTask;
import org.ssm4j.experiments.tasks.SplitMix64;
import org.ssm4j.experiments.tasks.TaskBatch;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvaluatorTest {

    private final TransformerModel model = new TransformerModel(
            new TransformerConfig("transformer", "t", 8, 1, 2, 16, true, 10000.0), 6, 5, DataType.DOUBLE);
    private final SelectiveCopyingTask task = new SelectiveCopyingTask(6, 3);

    /** The loss graph against cross-entropy computed from the logits in Java, answer positions only. */
    @Test
    void lossIsTheMeanCrossEntropyOverAnswerPositions() {
        ModelGraph graph = model.buildGraph(3, 10);
        LossGraph lossGraph = LossGraph.attach(graph, 6);
        TaskBatch batch = task.sample(3, 10, new SplitMix64(4));
        Map<String, INDArray> out = graph.sameDiff().output(lossGraph.feeds(batch), graph.logits().name(), lossGraph.loss().name());
        INDArray logits = out.get(graph.logits().name());
        double sum = 0;
        int answers = 0;
        for (int i = 0; i < batch.targets().length; i++) {
            if (batch.targets()[i] == TaskBatch.NO_ANSWER) {
                continue;
            }
            int b = i / 10;
            int t = i % 10;
            double logSumExp = 0;
            for (int v = 0; v < 6; v++) {
                logSumExp += Math.exp(logits.getDouble(b, t, v));
            }
            sum += Math.log(logSumExp) - logits.getDouble(b, t, batch.targets()[i]);
            answers++;
        }
        assertEquals(9, answers);
        assertEquals(sum / answers, out.get(lossGraph.loss().name()).getDouble(0), 1e-12);
    }

    @Test
    void theEvaluationSetDoesNotDependOnTheBatchSize() {
        EvalResult inOnes = new Evaluator(model, task, 1, 9, Long.MAX_VALUE).evaluate(12, 7);
        EvalResult inThrees = new Evaluator(model, task, 3, 9, Long.MAX_VALUE).evaluate(12, 7);
        assertEquals(inOnes.loss(), inThrees.loss(), 1e-12);
        assertEquals(inOnes.accuracy(), inThrees.accuracy());
        assertEquals(7, inOnes.samples());
        EvalResult otherSeed = new Evaluator(model, task, 3, 10, Long.MAX_VALUE).evaluate(12, 7);
        assertTrue(otherSeed.loss() != inOnes.loss());
    }

    @Test
    void lengthsThatNeedTooMuchMemoryAreSkippedWithTheReason() {
        Evaluator evaluator = new Evaluator(model, task, 4, 1, 1L << 20);
        EvalResult result = evaluator.evaluate(4096, 8);
        assertTrue(result.wasSkipped());
        assertTrue(result.skipped().contains("above the limit of 1 MiB"), result.skipped());
        assertEquals(result, EvalResult.fromJson(result.toJson()));
    }

    @Test
    void accuracyCountsArgMaxWithTiesToTheLowestId() {
        INDArray logits = Nd4j.createFromArray(new double[][][]{{{0, 1, 1}, {5, 0, 0}}, {{2, 2, 2}, {0, 0, 3}}});
        TaskBatch batch = new TaskBatch(2, 2, new int[]{0, 0, 0, 0}, new int[]{1, TaskBatch.NO_ANSWER, 1, 2});
        assertEquals(2, Evaluator.countCorrect(logits, batch), "row 0: tie 1/2 → 1 correct; row 2: tie → 0 wrong; row 3: 2 correct");
    }

    @Test
    void rejectsMismatchedVocabulariesAndTooShortLengths() {
        assertThrows(IllegalArgumentException.class, () -> new Evaluator(model, new SelectiveCopyingTask(16, 3), 2, 1, Long.MAX_VALUE));
        Evaluator evaluator = new Evaluator(model, task, 2, 1, Long.MAX_VALUE);
        assertThrows(IllegalArgumentException.class, () -> evaluator.evaluate(5, 2));
    }
}
