package org.ssm4j.experiments.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.config.ExperimentConfig;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatePassingTest {

    private static ExperimentConfig config(String model, boolean statePassing) {
        return ConfigLoader.parse("""
                name: state-passing-test
                model: %s
                task: {name: induction_heads, length: 12, vocab_size: 6}
                train: {steps: 4, batch_size: 2, lr: 1.0e-2, eval_every: 2, seed: 3, state_passing: %s}
                eval: {samples: 2, batch_size: 2}
                """.formatted(model, statePassing), "state-passing-test.yaml");
    }

    private static final String MAMBA = "{type: mamba, d_model: 8, n_layers: 2, d_state: 4}";

    /** Trains {@code config} in {@code dir}, resuming from its checkpoint if {@code resume}, stopping after the checkpoint of {@code stopAt} (0: never). */
    private static Map<String, INDArray> train(ExperimentConfig config, Path dir, boolean resume, int stopAt) {
        TrainingListener stop = new TrainingListener() {
            @Override
            public void onCheckpoint(int step, Path file) {
                if (step == stopAt) {
                    throw new IllegalStateException("stopped at step " + step);
                }
            }
        };
        Checkpoint from = resume ? Checkpoint.read(Trainer.checkpointFile(dir)) : null;
        try (TrainingTask task = config.task().open(TaskContext.of(config, dir));
             MetricsLog log = resume ? MetricsLog.resumeAfter(dir.resolve("metrics.jsonl"), from.step())
                     : MetricsLog.create(dir.resolve("metrics.jsonl"))) {
            new Trainer(task, config, dir, List.of(stop)).train(from, log);
            return task.model().parameters();
        }
    }

    @Test
    void aResumedRunContinuesFromTheCheckpointedStates(@TempDir Path dir) {
        ExperimentConfig config = config(MAMBA, true);
        Map<String, INDArray> whole = train(config, dir.resolve("whole"), false, 0);

        Path stopped = dir.resolve("stopped");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> train(config, stopped, false, 2));
        assertEquals("stopped at step 2", e.getMessage());
        Checkpoint middle = Checkpoint.read(Trainer.checkpointFile(stopped));
        assertEquals(4, middle.carriedStates().size(), "a convolution and an SSM state per layer");
        assertTrue(middle.carriedStates().get("ssm_state_in.1").amaxNumber().doubleValue() > 0, "the states were passed on");
        Map<String, INDArray> resumed = train(config, stopped, true, 0);

        for (String name : whole.keySet()) {
            assertArrayEquals(whole.get(name).data().asDouble(), resumed.get(name).data().asDouble(), 0.0, name);
        }
        Map<String, INDArray> fromZeros = train(config(MAMBA, false), dir.resolve("zeros"), false, 0);
        String name = whole.keySet().iterator().next();
        assertTrue(whole.get(name).sub(fromZeros.get(name)).amaxNumber().doubleValue() > 0,
                "passing states changes training");
    }

    @Test
    void modelsWithoutARecurrentStateAreRefused(@TempDir Path dir) {
        for (String model : List.of("{type: transformer, d_model: 8, n_layers: 1, n_heads: 2}",
                "{type: lti, d_model: 8, n_layers: 1}")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> train(config(model, true), dir.resolve("refused"), false, 0));
            assertTrue(e.getMessage().startsWith("train.state_passing needs a"), e.getMessage());
        }
    }
}
