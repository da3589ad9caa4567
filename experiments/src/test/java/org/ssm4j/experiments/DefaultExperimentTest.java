package org.ssm4j.experiments;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ssm4j.experiments.compare.Comparison;
import org.ssm4j.experiments.compare.ComparisonReport;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.config.ExperimentConfig;
import org.ssm4j.experiments.config.ModelConfig;
import org.ssm4j.experiments.config.SelectiveCopyingConfig;
import org.ssm4j.experiments.config.SsmConfig;
import org.ssm4j.experiments.report.RunReport;
import org.ssm4j.experiments.report.RunSummary;
import org.ssm4j.experiments.train.MetricsLog;
import org.ssm4j.experiments.train.Trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The built-in experiment that {@code ./mamba train} runs without a config: Mamba against the LTI baseline. */
class DefaultExperimentTest {

    @Test
    void comparesMambaWithTheLtiBaselineOfTheSameSizeOnSelectiveCopying() {
        ExperimentConfig config = ConfigLoader.defaultExperiment();
        assertInstanceOf(SelectiveCopyingConfig.class, config.task());
        assertEquals(List.of(SsmConfig.MAMBA, SsmConfig.LTI), config.models().stream().map(ModelConfig::type).toList());
        SsmConfig mamba = (SsmConfig) config.models().get(0);
        SsmConfig lti = (SsmConfig) config.models().get(1);
        assertEquals(new SsmConfig(SsmConfig.LTI, lti.name(), mamba.dModel(), mamba.nLayers(), mamba.dState(), mamba.dConv(),
                mamba.expand(), 0, mamba.tiedHead(), mamba.bidirectional()), lti, "the baseline differs from Mamba only in its mixer");
        assertTrue(config.eval().lengths().contains(config.task().length()), "the summary reports the training length");
    }

    /**
     * The default's models, shrunk (width 8, state 4) and trained for 40 steps on a shorter
     * sequence: the loss falls for both, each writes its run files, and the comparison report
     * that {@code train} writes for them appears with its summary and plots.
     */
    @Test
    void itsModelsLearnAShortVersionAndTheComparisonIsWritten(@TempDir Path out) throws IOException {
        ExperimentConfig full = ConfigLoader.defaultExperiment();
        SelectiveCopyingConfig task = (SelectiveCopyingConfig) full.task();
        StringBuilder yaml = new StringBuilder("name: " + full.name() + "\nmodels:\n");
        for (ModelConfig m : full.models()) {
            SsmConfig ssm = (SsmConfig) m;
            yaml.append(String.format(Locale.ROOT, "  - {name: %s, type: %s, d_model: 8, n_layers: %d, d_state: 4, d_conv: %d}%n",
                    ssm.name(), ssm.type(), ssm.nLayers(), ssm.dConv()));
        }
        int length = 4 * task.dataTokens();
        yaml.append(String.format(Locale.ROOT, """
                task: {name: selective_copying, length: %d, data_tokens: %d, vocab_size: %d}
                train: {steps: 40, batch_size: 8, lr: %s, warmup: 5, clip: %s, eval_every: 20, seed: %d}
                eval: {samples: 16, batch_size: 16, lengths: [%d]}
                """, length, task.dataTokens(), task.vocabSize(), full.train().lr(), full.train().clip(), full.train().seed(),
                length));
        ExperimentConfig config = ConfigLoader.parse(yaml.toString(), "shortened default");

        List<Comparison.Outcome> outcomes = new ArrayList<>();
        for (ModelConfig model : config.models()) {
            Path runDir = out.resolve(model.name());
            RunSummary summary = ExperimentRunner.run(config.withOnlyModel(model), runDir, false, List.of());
            double[] losses = MetricsLog.read(runDir.resolve(MetricsLog.FILE_NAME)).stream()
                    .filter(r -> r.path("type").asText().equals("train")).mapToDouble(r -> r.path("loss").asDouble()).toArray();
            assertEquals(40, losses.length, model.name());
            double first = mean(losses, 0, 8);
            double last = mean(losses, 32, 40);
            assertTrue(last < first - 0.05, model.name() + ": training loss falls, first eight steps " + first + ", last eight " + last);
            for (String file : List.of("run.json", MetricsLog.FILE_NAME, RunSummary.FILE_NAME, RunReport.FILE_NAME,
                    RunReport.LOSS_PNG, RunReport.ACCURACY_PNG, RunReport.THROUGHPUT_PNG)) {
                assertTrue(Files.size(runDir.resolve(file)) > 0, model.name() + " wrote " + file);
            }
            assertTrue(Files.exists(Trainer.checkpointFile(runDir)), model.name() + " wrote its checkpoint");
            outcomes.add(new Comparison.Outcome(model, runDir, summary, null));
        }
        ComparisonReport.write(out, config, outcomes);
        String report = Files.readString(out.resolve(RunReport.FILE_NAME));
        assertTrue(report.contains("| mamba | ") && report.contains("| lti | "), report);
        assertTrue(report.contains("## Summary"), report);
        for (String png : List.of(RunReport.LOSS_PNG, RunReport.ACCURACY_PNG, RunReport.THROUGHPUT_PNG)) {
            assertTrue(Files.size(out.resolve(png)) > 1000, png);
        }
    }

    private static double mean(double[] values, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += values[i];
        }
        return sum / (to - from);
    }
}
