package org.ssm4j.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.config.ExperimentConfig;
import org.ssm4j.experiments.eval.EvalResult;
import org.ssm4j.experiments.report.RunReport;
import org.ssm4j.experiments.report.RunSummary;
import org.ssm4j.experiments.train.Checkpoint;
import org.ssm4j.experiments.train.MetricsLog;
import org.ssm4j.experiments.train.Trainer;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExperimentRunnerTest {

    @ParameterizedTest
    @ValueSource(strings = {"selective-copying-tiny.yaml", "induction-heads-tiny.yaml", "selective-copying-mamba-tiny.yaml"})
    void aShortRunLearnsAndWritesEveryFile(String configName, @TempDir Path out) throws IOException {
        ExperimentConfig config = TestRuns.config(configName, text -> text);
        RunSummary summary = ExperimentRunner.run(config, out, false, List.of());

        List<ObjectNode> records = MetricsLog.read(out.resolve(MetricsLog.FILE_NAME));
        double[] losses = records.stream().filter(r -> r.path("type").asText().equals("train"))
                .mapToDouble(r -> r.path("loss").asDouble()).toArray();
        assertEquals(config.train().steps(), losses.length);
        double first = mean(losses, 0, 10);
        double last = mean(losses, losses.length - 10, losses.length);
        assertTrue(last < first - 0.05, "training loss falls: first ten steps " + first + ", last ten " + last);

        assertEquals(config.train().steps(), summary.steps());
        assertEquals(config.eval().lengths(), summary.evaluations().stream().map(EvalResult::length).toList());
        assertEquals(summary, RunSummary.read(out));
        assertTrue(Files.size(Trainer.checkpointFile(out)) > 4 * summary.parameterCount() * 3, "weights and both moments");
        assertEquals(3, records.stream().filter(r -> r.path("type").asText().equals("eval")).count());

        JsonNode runInfo = ConfigLoader.json().readTree(Files.readString(out.resolve("run.json")));
        assertEquals(config, ConfigLoader.fromJson(runInfo.get("config").toString(), "run.json"));
        assertEquals(summary.parameterCount(), runInfo.get("parameter_count").asLong());
        for (String key : List.of("git", "jvm", "nd4j", "cpu", "os")) {
            assertTrue(runInfo.has(key), "run.json records " + key);
        }
        assertTrue(runInfo.path("nd4j").path("backend").asText().contains("Cpu"), runInfo.toString());
        assertEquals("1", runInfo.path("nd4j").path("environment").path("omp.threads").asText());

        String report = Files.readString(out.resolve(RunReport.FILE_NAME));
        for (String png : List.of(RunReport.LOSS_PNG, RunReport.ACCURACY_PNG, RunReport.THROUGHPUT_PNG)) {
            BufferedImage image = ImageIO.read(out.resolve(png).toFile());
            assertNotNull(image, png + " is a PNG");
            assertEquals(900, image.getWidth());
            assertTrue(report.contains("](" + png + ")"), "report links " + png);
        }
        for (int length : config.eval().lengths()) {
            assertTrue(report.contains("| " + length + " | "), "results table has length " + length);
        }
        assertTrue(report.contains("```yaml\nname: " + config.name()), "report holds the config");
    }

    @Test
    void sameConfigAndSeedGiveIdenticalMetricsAndWeights(@TempDir Path dir) {
        ExperimentConfig config = TestRuns.config("selective-copying-tiny.yaml",
                text -> text.replace("steps: 60", "steps: 12").replace("eval_every: 20", "eval_every: 6"));
        ExperimentRunner.run(config, dir.resolve("a"), false, List.of());
        ExperimentRunner.run(config, dir.resolve("b"), false, List.of());
        assertEquals(TestRuns.reproducibleMetrics(dir.resolve("a")), TestRuns.reproducibleMetrics(dir.resolve("b")));
        TestRuns.assertSameCheckpoint(dir.resolve("a"), dir.resolve("b"));

        ExperimentConfig otherSeed = TestRuns.config("selective-copying-tiny.yaml",
                text -> text.replace("steps: 60", "steps: 12").replace("eval_every: 20", "eval_every: 6").replace("seed: 7", "seed: 8"));
        ExperimentRunner.run(otherSeed, dir.resolve("c"), false, List.of());
        assertTrue(!TestRuns.reproducibleMetrics(dir.resolve("a")).getFirst().equals(TestRuns.reproducibleMetrics(dir.resolve("c")).getFirst()),
                "another seed gives another run");
    }

    @Test
    void refusesToOverwriteARunOrToResumeItWithAnotherConfig(@TempDir Path out) {
        ExperimentConfig config = TestRuns.config("induction-heads-tiny.yaml",
                text -> text.replace("steps: 60", "steps: 2").replace("lengths: [8, 16, 32]", "lengths: [16]"));
        RunSummary first = ExperimentRunner.run(config, out, false, List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExperimentRunner.run(config, out, false, List.of()));
        assertTrue(e.getMessage().contains("already holds a run"), e.getMessage());
        ExperimentConfig changed = TestRuns.config("induction-heads-tiny.yaml",
                text -> text.replace("steps: 60", "steps: 2").replace("lengths: [8, 16, 32]", "lengths: [16]").replace("lr: 3.0e-3", "lr: 1.0e-3"));
        e = assertThrows(IllegalArgumentException.class, () -> ExperimentRunner.run(changed, out, true, List.of()));
        assertTrue(e.getMessage().contains("run has 'lr: 0.003', config has 'lr: 0.001'"), e.getMessage());
        // Resuming a finished run redoes only the final evaluation, to the same numbers.
        RunSummary again = ExperimentRunner.run(config, out, true, List.of());
        assertEquals(first.steps(), again.steps());
        assertEquals(first.evaluations().getFirst().loss(), again.evaluations().getFirst().loss());
        assertEquals(first.evaluations().getFirst().accuracy(), again.evaluations().getFirst().accuracy());
    }

    @Test
    void initFromStartsFromAnotherRunsWeights(@TempDir Path dir) {
        UnaryOperator<String> short8 = text -> text.replace("steps: 60", "steps: 8").replace("eval_every: 20", "eval_every: 8")
                .replace("lengths: [8, 16, 32]", "lengths: [16]");
        ExperimentRunner.run(TestRuns.config("induction-heads-tiny.yaml", short8), dir.resolve("first"), false, List.of());
        Path firstCheckpoint = Trainer.checkpointFile(dir.resolve("first"));
        // A learning rate too small to move anything: the warm-started run ends where the first one did.
        UnaryOperator<String> frozen = text -> short8.apply(text).replace("lr: 3.0e-3", "lr: 1.0e-12").replace("steps: 8", "steps: 2");
        ExperimentRunner.run(TestRuns.config("induction-heads-tiny.yaml",
                text -> frozen.apply(text).replace("seed: 11", "seed: 12, init_from: '" + firstCheckpoint + "'")), dir.resolve("warm"), false, List.of());
        ExperimentRunner.run(TestRuns.config("induction-heads-tiny.yaml",
                text -> frozen.apply(text).replace("seed: 11", "seed: 12")), dir.resolve("cold"), false, List.of());
        Map<String, INDArray> first = Checkpoint.read(firstCheckpoint).parameters();
        Map<String, INDArray> warm = Checkpoint.read(Trainer.checkpointFile(dir.resolve("warm"))).parameters();
        Map<String, INDArray> cold = Checkpoint.read(Trainer.checkpointFile(dir.resolve("cold"))).parameters();
        first.forEach((name, p) -> assertTrue(p.equalsWithEps(warm.get(name), 1e-9), name + " starts from the first run's weights"));
        assertTrue(first.entrySet().stream().anyMatch(e -> !e.getValue().equalsWithEps(cold.get(e.getKey()), 1e-3)),
                "without init_from the seed's initialisation is used");

        IllegalArgumentException wrongModel = assertThrows(IllegalArgumentException.class, () -> ExperimentRunner.run(
                TestRuns.config("induction-heads-tiny.yaml", text -> frozen.apply(text).replace("d_model: 32", "d_model: 16")
                        .replace("seed: 11", "seed: 11, init_from: '" + firstCheckpoint + "'")), dir.resolve("wrong"), false, List.of()));
        assertTrue(wrongModel.getMessage().contains("in " + firstCheckpoint), wrongModel.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> ExperimentRunner.run(
                TestRuns.config("induction-heads-tiny.yaml", text -> frozen.apply(text)
                        .replace("seed: 11", "seed: 11, init_from: '" + dir.resolve("none.safetensors") + "'")), dir.resolve("missing"), false, List.of()));
        assertTrue(missing.getMessage().contains("none.safetensors does not exist"), missing.getMessage());
    }

    private static double mean(double[] values, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += values[i];
        }
        return sum / (to - from);
    }
}
