package org.ssm4j.experiments.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.config.ExperimentConfig;
import org.ssm4j.experiments.eval.EvalResult;
import org.ssm4j.experiments.tasks.TaskStream;
import org.ssm4j.safetensors.SafetensorsWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointAndMetricsTest {

    private static final ExperimentConfig CONFIG = ConfigLoader.parse("""
            name: demo
            model: {type: transformer, d_model: 8, n_layers: 1, n_heads: 2}
            task: {name: induction_heads, length: 16}
            train: {steps: 10, batch_size: 2, lr: 1e-3, eval_every: 5, seed: 1}
            """, "demo.yaml");

    @Test
    void checkpointsRoundTripBitForBit(@TempDir Path dir) throws IOException {
        Map<String, INDArray> params = new LinkedHashMap<>();
        params.put("a", Nd4j.rand(DataType.FLOAT, 3, 4));
        params.put("b", Nd4j.createFromArray(Float.MIN_VALUE, -0.0f, Float.NaN));
        Map<String, INDArray> m = Map.of("a", Nd4j.rand(3, 4).castTo(params.get("a").dataType()), "b", Nd4j.createFromArray(1f, 2f, 3f));
        Map<String, INDArray> v = Map.of("a", Nd4j.rand(3, 4).castTo(params.get("a").dataType()), "b", Nd4j.createFromArray(4f, 5f, 6f));
        Map<String, INDArray> carried = Map.of("ssm_state_in.0", Nd4j.rand(DataType.FLOAT, 2, 3, 4));
        Checkpoint written = new Checkpoint(CONFIG, 7, false, null, params, m, v, new TaskStream.State(-123456789L, 14),
                new EarlyStopping.State(Double.POSITIVE_INFINITY, 0), 1.5, 896, carried);
        Path file = dir.resolve("checkpoint.safetensors");
        written.write(file);
        Checkpoint read = Checkpoint.read(file);
        assertEquals(CONFIG, read.config());
        assertEquals(7, read.step());
        assertEquals(written.stream(), read.stream());
        assertEquals(written.earlyStopping(), read.earlyStopping());
        assertEquals(896, read.tokens());
        for (String name : params.keySet()) {
            assertArrayEquals(params.get(name).data().asInt(), read.parameters().get(name).data().asInt(), name + " bits");
            assertArrayEquals(m.get(name).data().asInt(), read.firstMoments().get(name).data().asInt());
            assertArrayEquals(v.get(name).data().asInt(), read.secondMoments().get(name).data().asInt());
        }
        assertEquals(carried.keySet(), read.carriedStates().keySet());
        assertArrayEquals(carried.get("ssm_state_in.0").data().asInt(), read.carriedStates().get("ssm_state_in.0").data().asInt(),
                "carried state bits");
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file left behind");
        }
    }

    @Test
    void notACheckpointIsRefusedByName(@TempDir Path dir) {
        Path plain = dir.resolve("plain.safetensors");
        new SafetensorsWriter().addF32("x", new long[]{1}, new float[]{1}).write(plain);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.read(plain));
        assertTrue(e.getMessage().contains("not an ssm4j checkpoint"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.read(dir.resolve("missing.safetensors")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void copyingParametersChecksNamesAndShapes() {
        Map<String, INDArray> target = Map.of("w", Nd4j.zeros(2, 2));
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.copyParameters(Map.of("v", Nd4j.zeros(2, 2)), target, "c"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.copyParameters(Map.of("w", Nd4j.zeros(2, 3)), target, "c"));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[2, 2]"), e.getMessage());
    }

    @Test
    void resumingTheLogDropsWhatCameAfterTheCheckpointAndACutLastLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve(MetricsLog.FILE_NAME);
        try (MetricsLog log = MetricsLog.create(file)) {
            for (int step = 1; step <= 6; step++) {
                log.train(new StepMetrics(step, 1.0 / step, 1e-3, 0.5, step * 10L, 0.1, 100));
                if (step % 3 == 0) {
                    log.eval("eval", step, new EvalResult(16, 4, 0.5, 0.25, 1000, null));
                }
            }
            log.eval("final_eval", 6, EvalResult.skipped(1 << 20, 4, "too big"));
        }
        Files.writeString(file, Files.readString(file) + "{\"type\":\"train\",\"st", StandardOpenOption.TRUNCATE_EXISTING);
        try (MetricsLog log = MetricsLog.resumeAfter(file, 3)) {
            log.train(new StepMetrics(4, 0.2, 1e-3, 0.5, 40, 0.1, 100));
        }
        List<ObjectNode> records = MetricsLog.read(file);
        assertEquals(List.of("train:1", "train:2", "train:3", "eval:3", "train:4"),
                records.stream().map(r -> r.path("type").asText() + ":" + r.path("step").asInt()).toList());
        assertEquals(0.2, records.getLast().path("loss").asDouble());
        assertEquals(0.5, records.getFirst().path("grad_norm").asDouble());
    }
}
