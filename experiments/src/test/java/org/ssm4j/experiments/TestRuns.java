package org.ssm4j.experiments;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.config.ExperimentConfig;
import org.ssm4j.experiments.train.Checkpoint;
import org.ssm4j.experiments.train.MetricsLog;
import org.ssm4j.experiments.train.Trainer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Test configs from {@code src/test/resources/configs} and comparisons of run directories. */
public final class TestRuns {
    private TestRuns() {
    }

    /** The text of a test config. */
    public static String configText(String name) {
        try (InputStream in = TestRuns.class.getResourceAsStream("/configs/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test config " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A test config, its text edited by {@code edit} first. */
    public static ExperimentConfig config(String name, UnaryOperator<String> edit) {
        return ConfigLoader.parse(edit.apply(configText(name)), name);
    }

    /** A run's metrics without the fields that measure time, one JSON text per record. */
    public static List<String> reproducibleMetrics(Path runDir) {
        return MetricsLog.read(runDir.resolve(MetricsLog.FILE_NAME)).stream().map(r -> {
            ObjectNode copy = r.deepCopy();
            copy.remove(List.of("seconds", "tokens_per_second"));
            return copy.toString();
        }).toList();
    }

    /** Asserts that two runs ended with the same checkpoint: step, weights and moments bit for bit. */
    public static void assertSameCheckpoint(Path expectedRun, Path actualRun) {
        Checkpoint expected = Checkpoint.read(Trainer.checkpointFile(expectedRun));
        Checkpoint actual = Checkpoint.read(Trainer.checkpointFile(actualRun));
        assertEquals(expected.step(), actual.step());
        assertEquals(expected.stream(), actual.stream());
        assertEquals(expected.earlyStopping(), actual.earlyStopping());
        assertBitwiseEqual(expected.parameters(), actual.parameters());
        assertBitwiseEqual(expected.firstMoments(), actual.firstMoments());
        assertBitwiseEqual(expected.secondMoments(), actual.secondMoments());
    }

    private static void assertBitwiseEqual(Map<String, INDArray> expected, Map<String, INDArray> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, array) -> assertArrayEquals(array.data().asInt(), actual.get(name).data().asInt(), name));
    }
}
