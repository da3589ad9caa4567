package org.ssm4j.experiments.domains;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ssm4j.experiments.ExperimentRunner;
import org.ssm4j.experiments.report.RunSummary;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.config.ExperimentConfig;
import org.ssm4j.experiments.report.RunReport;
import org.ssm4j.experiments.train.MetricsLog;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each domain's experiment end to end at a seconds-long scale: real data prepared on the fly, training, evaluation, report. */
class DomainRunsTest {

    @TempDir
    static Path cache;

    @TempDir
    Path runDir;

    static ExperimentConfig config(String file) throws IOException {
        try (InputStream in = DomainRunsTest.class.getResourceAsStream("/configs/" + file)) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .replace("DATA_DIR", SharedDatasets.directory().toString())
                    .replace("CACHE_DIR", cache.toString());
            return ConfigLoader.parse(text, file);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"shakespeare-bytes-tiny.yaml", "mnist-patches-tiny.yaml", "fsdd-frames-tiny.yaml"})
    void trainsEvaluatesAndReports(String file) throws IOException {
        ExperimentConfig config = config(file);
        RunSummary summary = ExperimentRunner.run(config, runDir, false, List.of());

        List<ObjectNode> records = MetricsLog.read(runDir.resolve(MetricsLog.FILE_NAME));
        double[] losses = records.stream().filter(r -> r.path("type").asText().equals("train"))
                .mapToDouble(r -> r.path("loss").asDouble()).toArray();
        assertEquals(config.train().steps(), losses.length);
        double first = Arrays.stream(losses, 0, 10).average().orElseThrow();
        double last = Arrays.stream(losses, losses.length - 10, losses.length).average().orElseThrow();
        assertTrue(last < first - 0.05, "mean loss of the first and last 10 steps: " + first + " and " + last);

        assertEquals(config.eval().lengths().size(), summary.evaluations().size());
        summary.evaluations().forEach(e -> assertFalse(e.wasSkipped(), e.toString()));
        assertTrue(Files.size(runDir.resolve(RunReport.FILE_NAME)) > 0);
        for (String png : new String[]{RunReport.LOSS_PNG, RunReport.ACCURACY_PNG}) {
            assertTrue(Files.size(runDir.resolve(png)) > 1000, png);
        }
    }
}
