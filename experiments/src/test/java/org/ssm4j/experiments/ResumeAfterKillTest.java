package org.ssm4j.experiments;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.config.ExperimentConfig;
import org.ssm4j.experiments.io.ChildJvm;
import org.ssm4j.experiments.report.RunSummary;
import org.ssm4j.experiments.train.Checkpoint;
import org.ssm4j.experiments.train.Trainer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run killed with SIGKILL after its first checkpoint (and some steps past it) and resumed
 * ends exactly where an uninterrupted run of the same config ends: same metrics, same
 * weights and optimiser state, bit for bit.
 */
class ResumeAfterKillTest {

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void aKilledAndResumedRunEndsBitForBitLikeAnUninterruptedOne(@TempDir Path dir) throws Exception {
        ExperimentConfig config = TestRuns.config("selective-copying-tiny.yaml", text -> text
                .replace("d_model: 32", "d_model: 16").replace("steps: 60", "steps: 16").replace("eval_every: 20", "eval_every: 6")
                .replace("lengths: [16, 24, 32]", "lengths: [24, 32]"));
        Path configFile = dir.resolve("config.yaml");
        Files.writeString(configFile, ConfigLoader.toYaml(config));
        Path killed = dir.resolve("killed");

        Process child = ChildJvm.builder(PausingRun.class, List.of(configFile.toString(), killed.toString(), "9"))
                .redirectErrorStream(true).start();
        try {
            assertTrue(waitForLine(child, PausingRun.PAUSED), "the child paused after step 9");
        } finally {
            child.destroyForcibly();
            assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        }
        assertEquals(137, child.exitValue(), "killed by SIGKILL");
        assertEquals(6, Checkpoint.read(Trainer.checkpointFile(killed)).step(), "last checkpoint before the kill");
        assertTrue(TestRuns.reproducibleMetrics(killed).stream().anyMatch(r -> r.contains("\"step\":9")),
                "the killed run had logged steps past its checkpoint");

        Process resume = ChildJvm.builder(RunMain.class, List.of(configFile.toString(), killed.toString(), "--resume"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("resume.log").toFile()).start();
        assertTrue(resume.waitFor(10, TimeUnit.MINUTES));
        assertEquals(0, resume.exitValue(), () -> "resumed run failed:\n" + readQuietly(dir.resolve("resume.log")));

        Path uninterrupted = dir.resolve("uninterrupted");
        RunSummary expected = ExperimentRunner.run(config, uninterrupted, false, List.of());

        assertEquals(TestRuns.reproducibleMetrics(uninterrupted), TestRuns.reproducibleMetrics(killed));
        TestRuns.assertSameCheckpoint(uninterrupted, killed);
        RunSummary actual = RunSummary.read(killed);
        assertEquals(expected.evaluations().stream().map(e -> e.loss() + "/" + e.accuracy()).toList(),
                actual.evaluations().stream().map(e -> e.loss() + "/" + e.accuracy()).toList());
        assertEquals(expected.finalTrainLoss(), actual.finalTrainLoss());
        assertEquals(expected.trainTokens(), actual.trainTokens());
    }

    private static boolean waitForLine(Process process, String line) throws IOException {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l = reader.readLine(); l != null; l = reader.readLine()) {
                if (l.equals(line)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
