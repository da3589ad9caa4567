package org.ssm4j.experiments.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.config.ExperimentConfig;
import org.ssm4j.experiments.config.SyntheticTaskConfig;
import org.ssm4j.experiments.config.TransformerConfig;
import org.ssm4j.experiments.models.TransformerModel;
import org.ssm4j.experiments.tasks.SyntheticTrainingTask;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {

    private static ExperimentConfig config(int batchSize, int accumulate, int steps, String earlyStop) {
        return ConfigLoader.parse("""
                name: trainer-test
                model: {type: transformer, d_model: 8, n_layers: 1, n_heads: 2}
                task: {name: selective_copying, length: 8, data_tokens: 2, vocab_size: 6}
                train: {steps: %d, batch_size: %d, accumulate: %d, lr: 1.0e-2, weight_decay: 0.1, clip: 0.5,
                        eval_every: 1, seed: 4, early_stop: %s}
                eval: {samples: 4, batch_size: 4}
                """.formatted(steps, batchSize, accumulate, earlyStop), "trainer-test.yaml");
    }

    private static SyntheticTrainingTask task(ExperimentConfig config, Path dir) {
        TransformerModel model = new TransformerModel((TransformerConfig) config.singleModel(), 6, 4, DataType.DOUBLE);
        return new SyntheticTrainingTask(((SyntheticTaskConfig) config.task()).create(), config.task().length(), model,
                TaskContext.of(config, dir));
    }

    /** Two micro-batches of 4 see the same sequences as one batch of 8, so they must take the same step. */
    @Test
    void accumulatingMicroBatchesEqualsOneBigBatch(@TempDir Path dir) {
        ExperimentConfig big = config(8, 1, 2, "{}");
        ExperimentConfig accumulated = config(4, 2, 2, "{}");
        SyntheticTrainingTask a = task(big, dir);
        SyntheticTrainingTask b = task(accumulated, dir);
        try (MetricsLog la = MetricsLog.create(dir.resolve("a.jsonl")); MetricsLog lb = MetricsLog.create(dir.resolve("b.jsonl"))) {
            new Trainer(a, big, dir.resolve("a"), List.of()).train(null, la);
            new Trainer(b, accumulated, dir.resolve("b"), List.of()).train(null, lb);
        }
        for (String name : a.model().parameters().keySet()) {
            INDArray difference = a.model().parameters().get(name).sub(b.model().parameters().get(name));
            assertEquals(0, difference.amaxNumber().doubleValue(), 1e-12, name);
        }
        List<Double> gradNormsA = MetricsLog.read(dir.resolve("a.jsonl")).stream().filter(r -> r.path("type").asText().equals("train"))
                .map(r -> r.path("grad_norm").asDouble()).toList();
        List<Double> gradNormsB = MetricsLog.read(dir.resolve("b.jsonl")).stream().filter(r -> r.path("type").asText().equals("train"))
                .map(r -> r.path("grad_norm").asDouble()).toList();
        assertEquals(gradNormsA.size(), gradNormsB.size());
        for (int i = 0; i < gradNormsA.size(); i++) {
            assertEquals(gradNormsA.get(i), gradNormsB.get(i), 1e-12, "gradient norm of step " + (i + 1));
        }
    }

    @Test
    void earlyStoppingEndsTrainingAndMarksTheCheckpointFinished(@TempDir Path dir) {
        ExperimentConfig config = config(4, 1, 50, "{target_accuracy: 0.01}");
        TrainingResult result;
        try (MetricsLog log = MetricsLog.create(dir.resolve("m.jsonl"))) {
            result = new Trainer(task(config, dir), config, dir, List.of()).train(null, log);
        }
        assertTrue(result.steps() < 50, "stopped after " + result.steps() + " steps");
        assertTrue(result.stopReason().contains("reached the target"), result.stopReason());
        Checkpoint checkpoint = Checkpoint.read(Trainer.checkpointFile(dir));
        assertTrue(checkpoint.finished());
        assertEquals(result.steps(), checkpoint.step());
        assertEquals(result.stopReason(), checkpoint.stopReason());
        assertEquals((long) result.steps() * 4 * 8, result.tokens());

        TrainingResult again;
        try (MetricsLog log = MetricsLog.resumeAfter(dir.resolve("m.jsonl"), checkpoint.step())) {
            again = new Trainer(task(config, dir), config, dir, List.of()).train(checkpoint, log);
        }
        assertEquals(result.steps(), again.steps(), "a finished run trains no further");
        ExperimentConfig oneStep = config(4, 1, 1, "{}");
        try (MetricsLog log = MetricsLog.create(dir.resolve("one.jsonl"))) {
            assertNull(new Trainer(task(oneStep, dir), oneStep, dir.resolve("one"), List.of()).train(null, log).stopReason());
        }
    }
}
