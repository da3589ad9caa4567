package org.ssm4j.experiments.domains;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.ssm4j.experiments.classify.ClassificationTask;
import org.ssm4j.experiments.compare.Comparison;
import org.ssm4j.experiments.config.AudioClassificationConfig;
import org.ssm4j.experiments.config.ByteLanguageModelConfig;
import org.ssm4j.experiments.config.ExperimentConfig;
import org.ssm4j.experiments.config.ImageClassificationConfig;
import org.ssm4j.experiments.eval.EvalResult;
import org.ssm4j.experiments.monitor.SelectivityReport;
import org.ssm4j.experiments.report.Charts;
import org.ssm4j.experiments.report.Formats;
import org.ssm4j.experiments.report.MarkdownTable;
import org.ssm4j.experiments.report.ReportSection;
import org.ssm4j.experiments.report.RunSummary;
import org.ssm4j.experiments.sweep.LengthSweep;
import org.ssm4j.experiments.train.MetricsLog;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The domain experiments' sections of a comparison report, every model on the same axes:
 * bits per byte (language) or test accuracy (vision, speech) during training and at the end,
 * the context-length sweep, and links to each Mamba's Δ heat map.
 */
public final class DomainComparison {

    /** Validation bits per byte against the step, every model. */
    public static final String BITS_PER_BYTE_PNG = "bits_per_byte.png";
    /** Test accuracy against the step, every model. */
    public static final String ACCURACY_CURVE_PNG = ClassificationTask.ACCURACY_CURVE_PNG;

    private DomainComparison() {
    }

    /** The sections for {@code config}'s task (none for the synthetic tasks), writing their plots into {@code outDir}. */
    public static List<ReportSection> sections(Path outDir, ExperimentConfig config, List<Comparison.Outcome> outcomes) {
        List<Comparison.Outcome> done = outcomes.stream().filter(o -> o.summary() != null).toList();
        List<ReportSection> sections = new ArrayList<>();
        switch (config.task()) {
            case ByteLanguageModelConfig lm -> sections.add(bitsPerByte(outDir, config, done));
            case ImageClassificationConfig images -> sections.add(accuracy(outDir, config, done));
            case AudioClassificationConfig audio -> sections.add(accuracy(outDir, config, done));
            default -> {
                return List.of();
            }
        }
        if (config.sweep() != null) {
            List<LengthSweep.Measured> swept = done.stream().filter(o -> Files.exists(o.runDir().resolve(LengthSweep.FILE_NAME)))
                    .map(o -> LengthSweep.read(o.runDir())).toList();
            if (!swept.isEmpty()) {
                LengthSweep.writeCharts(outDir, swept, "");
                sections.add(LengthSweep.section(config.sweep(), swept, ""));
            }
        }
        StringBuilder links = new StringBuilder();
        for (Comparison.Outcome o : done) {
            if (Files.exists(o.runDir().resolve(SelectivityReport.HEATMAP_PNG))) {
                String dir = o.model().name() + "/";
                links.append(ReportSection.plot(o.model().name() + ": Δ per position", dir + SelectivityReport.HEATMAP_PNG))
                        .append(ReportSection.plot(o.model().name() + ": spread of Δ per mixer", dir + SelectivityReport.STATS_PNG));
            }
        }
        if (!links.isEmpty()) {
            sections.add(new ReportSection("Selectivity of Δ", "How much each Mamba lets each position of one held-out input "
                    + "into its state (each model's report explains and tabulates it).\n\n" + links));
        }
        return sections;
    }

    private static ReportSection bitsPerByte(Path outDir, ExperimentConfig config, List<Comparison.Outcome> done) {
        List<Charts.Series> curves = new ArrayList<>();
        for (Comparison.Outcome o : done) {
            List<ObjectNode> evals = evalRecords(o);
            curves.add(new Charts.Series(o.model().name(), evals.stream().mapToDouble(r -> r.path("tokens").asDouble(
                    r.path("step").asDouble() * config.train().sequencesPerStep() * config.task().length())).toArray(),
                    evals.stream().mapToDouble(r -> r.path("loss").asDouble() / Math.log(2)).toArray(), true));
        }
        Charts.writeLineChart(outDir.resolve(BITS_PER_BYTE_PNG), "Validation bits per byte during training", "training tokens",
                Charts.Scale.LINEAR, "bits per byte", Charts.Scale.LINEAR, curves);
        List<String> header = new ArrayList<>(List.of("context length"));
        done.forEach(o -> header.add(o.model().name() + " bits/byte"));
        MarkdownTable table = new MarkdownTable(header);
        for (int length : config.eval().lengths()) {
            List<String> row = new ArrayList<>(List.of(String.valueOf(length)));
            for (Comparison.Outcome o : done) {
                EvalResult e = finalAt(o.summary(), length);
                row.add(e == null ? "—" : e.wasSkipped() ? "skipped" : String.format(Locale.ROOT, "%.4f", e.loss() / Math.log(2)));
            }
            table.row(row);
        }
        return new ReportSection("Bits per byte", String.format(Locale.ROOT, "Validation bits per byte (the last 10%% of the "
                + "corpus in non-overlapping windows of each length) after %d steps of %,d tokens; every model saw the same "
                + "training tokens.%n%n", config.train().steps(), (long) config.train().sequencesPerStep() * config.task().length())
                + table.toMarkdown() + "\n" + ReportSection.plot("Validation bits per byte during training", BITS_PER_BYTE_PNG));
    }

    private static ReportSection accuracy(Path outDir, ExperimentConfig config, List<Comparison.Outcome> done) {
        List<Charts.Series> curves = new ArrayList<>();
        MarkdownTable table = new MarkdownTable(List.of("model", "parameters", "test accuracy", "test loss", "test examples",
                "train minutes"));
        for (Comparison.Outcome o : done) {
            List<ObjectNode> evals = evalRecords(o);
            curves.add(new Charts.Series(o.model().name(), evals.stream().mapToDouble(r -> r.path("step").asDouble()).toArray(),
                    evals.stream().mapToDouble(r -> r.path("accuracy").asDouble()).toArray(), true));
            RunSummary s = o.summary();
            EvalResult e = finalAt(s, config.task().length());
            table.row(List.of(o.model().name(), String.format(Locale.ROOT, "%,d", s.parameterCount()),
                    e == null ? "—" : Formats.accuracy(e.accuracy()), e == null ? "—" : Formats.loss(e.loss()),
                    e == null ? "—" : String.valueOf(e.samples()), String.format(Locale.ROOT, "%.1f", s.trainSeconds() / 60)));
        }
        Charts.writeLineChart(outDir.resolve(ACCURACY_CURVE_PNG), "Test accuracy during training", "step", Charts.Scale.LINEAR,
                "accuracy", Charts.Scale.FRACTION, curves);
        return new ReportSection("Test accuracy", String.format(Locale.ROOT, "Final evaluation on the test split; the curve "
                + "shows the periodic evaluations (%d test examples each). Sequences of %d positions, %d steps of %d examples.%n%n",
                config.eval().samples(), config.task().length(), config.train().steps(), config.train().sequencesPerStep())
                + table.toMarkdown() + "\n" + ReportSection.plot("Test accuracy during training", ACCURACY_CURVE_PNG));
    }

    private static List<ObjectNode> evalRecords(Comparison.Outcome o) {
        return MetricsLog.read(o.runDir().resolve(MetricsLog.FILE_NAME)).stream()
                .filter(r -> "eval".equals(r.path("type").asText()) && r.has("loss")).toList();
    }

    private static EvalResult finalAt(RunSummary summary, int length) {
        return summary.evaluations().stream().filter(e -> e.length() == length).findFirst().orElse(null);
    }
}
