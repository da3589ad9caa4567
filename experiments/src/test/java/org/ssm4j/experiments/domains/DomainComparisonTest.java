package org.ssm4j.experiments.domains;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ssm4j.experiments.compare.Comparison;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.config.ExperimentConfig;
import org.ssm4j.experiments.config.ModelConfig;
import org.ssm4j.experiments.eval.EvalResult;
import org.ssm4j.experiments.report.ReportSection;
import org.ssm4j.experiments.report.RunSummary;
import org.ssm4j.experiments.train.MetricsLog;
import org.ssm4j.experiments.train.StepMetrics;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The comparison report's domain sections, from run directories written here. */
class DomainComparisonTest {

    @TempDir
    Path dir;

    private List<Comparison.Outcome> outcomes(ExperimentConfig config, double[] finalLosses) {
        List<Comparison.Outcome> outcomes = new ArrayList<>();
        for (int m = 0; m < config.models().size(); m++) {
            ModelConfig model = config.models().get(m);
            Path run = dir.resolve(model.name());
            List<EvalResult> finals = new ArrayList<>();
            try (MetricsLog log = MetricsLog.create(run.resolve(MetricsLog.FILE_NAME))) {
                for (int step = 1; step <= 2; step++) {
                    log.train(new StepMetrics(step, 2.0 / step, 1e-3, 1, step * 64L, 0.1, 640));
                    log.eval("eval", step, new EvalResult(config.task().length(), 8, 1.5 / step, 0.3 * step, 1000, null));
                }
                for (int length : config.eval().lengths()) {
                    EvalResult e = new EvalResult(length, 8, finalLosses[m], 0.6, 1000, null);
                    log.eval("final_eval", 2, e);
                    finals.add(e);
                }
            }
            outcomes.add(new Comparison.Outcome(model, run, new RunSummary(config.name(), model.name(), model.type(), 1000, 2,
                    null, 90, 128, 1.0, 1 << 20, finals), null));
        }
        return outcomes;
    }

    @Test
    void languageComparisonTabulatesBitsPerByteAtEveryLength() throws Exception {
        ExperimentConfig config = ConfigLoader.parse("""
                name: lm
                models: [{type: mamba, d_model: 8, n_layers: 1}, {type: transformer, d_model: 8, n_layers: 1, n_heads: 2}]
                task: {name: byte_lm, dataset: tinyshakespeare, length: 32}
                train: {steps: 2, batch_size: 2, lr: 1.0e-3, eval_every: 1, seed: 1}
                eval: {lengths: [32, 128]}
                """, "lm.yaml");
        List<ReportSection> sections = DomainComparison.sections(dir, config, outcomes(config, new double[]{Math.log(2), 2 * Math.log(2)}));
        assertEquals(1, sections.size(), "no sweep was run, no Δ was probed");
        String text = sections.getFirst().markdown();
        assertTrue(text.contains("| 32 | 1.0000 | 2.0000 |") && text.contains("| 128 | 1.0000 | 2.0000 |"), text);
        assertTrue(Files.size(dir.resolve(DomainComparison.BITS_PER_BYTE_PNG)) > 1000);
    }

    @Test
    void classificationComparisonTabulatesTestAccuracyAndDrawsTheCurves() throws Exception {
        ExperimentConfig config = ConfigLoader.parse("""
                name: digits
                models: [{type: mamba, d_model: 8, n_layers: 1}, {type: transformer, d_model: 8, n_layers: 1, n_heads: 2}]
                task: {name: audio_classification, dataset: fsdd}
                train: {steps: 2, batch_size: 2, lr: 1.0e-3, eval_every: 1, seed: 1}
                """, "digits.yaml");
        List<ReportSection> sections = DomainComparison.sections(dir, config, outcomes(config, new double[]{0.5, 0.7}));
        assertEquals("Test accuracy", sections.getFirst().title());
        assertTrue(sections.getFirst().markdown().contains("| mamba | 1,000 | 0.6000 | 0.5000 | 8 | 1.5 |"),
                sections.getFirst().markdown());
        assertTrue(Files.size(dir.resolve(DomainComparison.ACCURACY_CURVE_PNG)) > 1000);
        assertEquals(List.of(), DomainComparison.sections(dir, ConfigLoader.parse("""
                name: s
                model: {type: transformer, d_model: 8, n_layers: 1, n_heads: 2}
                task: {name: induction_heads, length: 8}
                train: {steps: 2, batch_size: 2, lr: 1.0e-3, eval_every: 1, seed: 1}
                """, "s.yaml"), List.of()), "synthetic tasks have no domain sections");
    }
}
