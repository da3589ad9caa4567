package org.ssm4j.experiments.compare;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.config.ExperimentConfig;
import org.ssm4j.experiments.report.RunReport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ComparisonTest {

    private static final ExperimentConfig CONFIG = ConfigLoader.parse("""
            name: tiny-comparison
            models:
              - {name: one-layer, type: transformer, d_model: 16, n_layers: 1, n_heads: 2}
              - {name: two-layers, type: transformer, d_model: 16, n_layers: 2, n_heads: 2}
            task: {name: induction_heads, length: 12}
            train: {steps: 3, batch_size: 4, lr: 1.0e-3, eval_every: 3, seed: 2}
            eval: {samples: 8, batch_size: 8, lengths: [12, 24]}
            """, "tiny-comparison.yaml");

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void runsEveryModelInItsOwnJvmAndTabulatesThemSideBySide(@TempDir Path out) throws IOException {
        List<Comparison.Outcome> outcomes = Comparison.run(CONFIG, out, false);
        assertEquals(List.of("one-layer", "two-layers"), outcomes.stream().map(o -> o.model().name()).toList());
        for (Comparison.Outcome o : outcomes) {
            assertNull(o.failure());
            assertEquals(3, o.summary().steps());
            assertTrue(o.summary().peakResidentBytes() > 0, "each JVM measured its own peak memory");
            assertTrue(Files.exists(o.runDir().resolve(RunReport.FILE_NAME)));
        }
        assertTrue(outcomes.get(1).summary().parameterCount() > outcomes.get(0).summary().parameterCount());

        String report = Files.readString(out.resolve(RunReport.FILE_NAME));
        assertTrue(report.contains("| length | one-layer | two-layers |"), report);
        assertTrue(report.contains("| 24 | "), report);
        assertTrue(report.contains("[report](one-layer/report.md)"), report);
        for (String png : List.of(RunReport.LOSS_PNG, RunReport.ACCURACY_PNG, RunReport.THROUGHPUT_PNG)) {
            assertTrue(Files.size(out.resolve(png)) > 1000, png);
        }
        String table = ComparisonReport.modelTable(outcomes).toText();
        assertTrue(table.startsWith("model "), table);
        String summary = ComparisonReport.summaryTable(CONFIG, outcomes).toText();
        assertTrue(summary.startsWith("model ") && summary.contains("accuracy") && summary.contains("train time"), summary);
        assertEquals(4, summary.lines().count(), "header, rule, one row per model: " + summary);
        assertTrue(report.contains("## Summary"), report);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Comparison.run(CONFIG, out, false));
        assertTrue(e.getMessage().contains("already holds a run"), e.getMessage());
        List<Comparison.Outcome> reused = Comparison.run(CONFIG, out, true);
        assertEquals(outcomes.stream().map(Comparison.Outcome::summary).toList(),
                reused.stream().map(Comparison.Outcome::summary).toList(), "finished runs are reused on resume");
    }
}
