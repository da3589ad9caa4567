package org.ssm4j.experiments;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ssm4j.experiments.compare.Comparison;
import org.ssm4j.experiments.compare.ComparisonReport;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.config.EarlyStopConfig;
import org.ssm4j.experiments.config.EvalConfig;
import org.ssm4j.experiments.config.ExperimentConfig;
import org.ssm4j.experiments.config.ModelConfig;
import org.ssm4j.experiments.config.SelectiveCopyingConfig;
import org.ssm4j.experiments.config.SsmConfig;
import org.ssm4j.experiments.config.TrainConfig;
import org.ssm4j.experiments.report.RunReport;
import org.ssm4j.experiments.report.RunSummary;
import org.ssm4j.experiments.train.MetricsLog;
import org.ssm4j.experiments.train.Trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
                mamba.expand(), 0, mamba.tiedHead()), lti, "the baseline differs from Mamba only in its mixer");
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
        TrainConfig t = full.train();
        TrainConfig shortTraining = new TrainConfig(40, 8, 1, t.lr(), t.minLr(), 5, t.weightDecay(), t.beta1(), t.beta2(),
                t.eps(), t.clip(), 20, 20, EarlyStopConfig.OFF, t.seed(), 1);
        int length = 4 * task.dataTokens();
        List<ModelConfig> tiny = full.models().stream().map(m -> (ModelConfig) shrink((SsmConfig) m)).toList();
        ExperimentConfig config = new ExperimentConfig(full.name(), tiny, task.withLength(length), shortTraining,
                new EvalConfig(16, 16, List.of(length), full.eval().maxMemoryMb()));

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

    private static SsmConfig shrink(SsmConfig m) {
        return new SsmConfig(m.type(), m.name(), 8, m.nLayers(), 4, m.dConv(), m.expand(), m.dtRank(), m.tiedHead());
    }

    private static double mean(double[] values, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += values[i];
        }
        return sum / (to - from);
    }
}
