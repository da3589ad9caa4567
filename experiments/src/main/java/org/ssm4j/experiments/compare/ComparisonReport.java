package org.ssm4j.experiments.compare;

import org.ssm4j.experiments.report.RunSummary;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.config.ExperimentConfig;
import org.ssm4j.experiments.domains.DomainComparison;
import org.ssm4j.experiments.eval.EvalResult;
import org.ssm4j.io.AtomicFiles;
import org.ssm4j.experiments.report.Charts;
import org.ssm4j.experiments.report.Formats;
import org.ssm4j.experiments.report.MarkdownTable;
import org.ssm4j.experiments.report.ReportSection;
import org.ssm4j.experiments.report.RunReport;
import org.ssm4j.experiments.train.MetricsLog;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The side-by-side report of a comparison: {@code report.md} with a table of the models
 * (parameters, training throughput, peak memory, losses), accuracy and loss by length with
 * one column per model, and plots with one line per model (training loss, accuracy and
 * evaluation throughput by length). Each model's own run report is linked.
 */
public final class ComparisonReport {

    private ComparisonReport() {
    }

    /** Writes the report and its plots into {@code outDir}. */
    public static void write(Path outDir, ExperimentConfig config, List<Comparison.Outcome> outcomes) {
        List<RunSummary> done = outcomes.stream().filter(o -> o.summary() != null).map(Comparison.Outcome::summary).toList();
        List<Charts.Series> losses = new ArrayList<>();
        for (Comparison.Outcome o : outcomes) {
            Path metrics = o.runDir().resolve(MetricsLog.FILE_NAME);
            if (o.summary() != null && Files.exists(metrics)) {
                losses.add(RunReport.series(o.model().name(), MetricsLog.read(metrics), "train", "step", "loss", false));
            }
        }
        Charts.writeLineChart(outDir.resolve(RunReport.LOSS_PNG), "Training loss", "step",
                Charts.Scale.LINEAR, "cross-entropy", Charts.Scale.LOG10, losses);
        Charts.writeLineChart(outDir.resolve(RunReport.ACCURACY_PNG), "Accuracy by sequence length (trained at "
                        + config.task().length() + ")", "sequence length", Charts.Scale.LOG2, "accuracy", Charts.Scale.FRACTION,
                done.stream().map(s -> RunReport.lengthSeries(s, false)).toList());
        Charts.writeLineChart(outDir.resolve(RunReport.THROUGHPUT_PNG), "Evaluation throughput by sequence length",
                "sequence length", Charts.Scale.LOG2, "tokens per second (forward pass)", Charts.Scale.LOG10,
                done.stream().map(s -> RunReport.lengthSeries(s, true)).toList());
        List<ReportSection> sections = DomainComparison.sections(outDir, config, outcomes);
        AtomicFiles.writeString(outDir.resolve(RunReport.FILE_NAME), markdown(config, outcomes, sections));
    }

    /**
     * The headline: per model, the accuracy and loss of the final evaluation at the training
     * length, the steps taken and the training time (optimiser steps only, without evaluations).
     */
    public static MarkdownTable summaryTable(ExperimentConfig config, List<Comparison.Outcome> outcomes) {
        int length = config.task().length();
        MarkdownTable table = new MarkdownTable(List.of("model", "accuracy", "loss", "steps", "train time"));
        for (Comparison.Outcome o : outcomes) {
            RunSummary s = o.summary();
            if (s == null) {
                table.row(List.of(o.model().name(), "failed: " + o.failure(), "—", "—", "—"));
                continue;
            }
            EvalResult e = s.evaluations().stream().filter(r -> r.length() == length && !r.wasSkipped()).findFirst().orElse(null);
            table.row(List.of(s.model(), e == null ? "—" : Formats.accuracy(e.accuracy()), e == null ? "—" : Formats.loss(e.loss()),
                    s.steps() + (s.stopReason() != null ? " (stopped early)" : ""),
                    String.format(Locale.ROOT, "%.0f s", s.trainSeconds())));
        }
        return table;
    }

    /** Models side by side: parameters, steps, training throughput, peak memory, losses. */
    public static MarkdownTable modelTable(List<Comparison.Outcome> outcomes) {
        MarkdownTable table = new MarkdownTable(List.of("model", "type", "parameters", "steps", "train tokens/s",
                "peak memory (MiB)", "last train loss"));
        for (Comparison.Outcome o : outcomes) {
            RunSummary s = o.summary();
            table.row(s == null
                    ? List.of(o.model().name(), o.model().type(), "failed: " + o.failure(), "—", "—", "—", "—")
                    : List.of(s.model(), s.modelType(), String.format(Locale.ROOT, "%,d", s.parameterCount()),
                    s.steps() + (s.stopReason() != null ? " (stopped early)" : ""), Formats.count(s.trainTokensPerSecond()),
                    Formats.mebibytes(s.peakResidentBytes()), Formats.loss(s.finalTrainLoss())));
        }
        return table;
    }

    /** One row per length, one column per model: accuracy (or loss) of the final evaluation. */
    public static MarkdownTable lengthTable(ExperimentConfig config, List<Comparison.Outcome> outcomes, boolean loss) {
        List<String> header = new ArrayList<>(List.of("length"));
        outcomes.forEach(o -> header.add(o.model().name()));
        MarkdownTable table = new MarkdownTable(header);
        for (int length : config.eval().lengths()) {
            List<String> row = new ArrayList<>(List.of(String.valueOf(length)));
            for (Comparison.Outcome o : outcomes) {
                EvalResult e = o.summary() == null ? null
                        : o.summary().evaluations().stream().filter(r -> r.length() == length).findFirst().orElse(null);
                row.add(e == null ? "—" : e.wasSkipped() ? "skipped" : loss ? Formats.loss(e.loss()) : Formats.accuracy(e.accuracy()));
            }
            table.row(row);
        }
        return table;
    }

    private static String markdown(ExperimentConfig config, List<Comparison.Outcome> outcomes, List<ReportSection> sections) {
        StringBuilder md = new StringBuilder();
        md.append("# ").append(config.name()).append(": comparison\n\n");
        md.append(String.format(Locale.ROOT, "%d models on **%s** (training length %d, %s), %d steps of %d sequences, seed %d. "
                        + "Each model trained in a JVM of its own; peak memory is that JVM's peak resident set size.%n%n",
                outcomes.size(), config.task().name(), config.task().length(), config.task().vocabularyDescription(), config.train().steps(),
                config.train().sequencesPerStep(), config.train().seed()));
        md.append("## Summary\n\nAt the training length (").append(config.task().length()).append(" tokens):\n\n")
                .append(summaryTable(config, outcomes).toMarkdown()).append('\n');
        md.append("## Models\n\n").append(modelTable(outcomes).toMarkdown()).append('\n');
        md.append("## Accuracy by sequence length\n\n").append(config.eval().samples())
                .append(" fixed sequences per length; \"skipped\": the model's activations at that length exceed eval.max_memory_mb.\n\n")
                .append(lengthTable(config, outcomes, false).toMarkdown()).append('\n');
        md.append("## Loss by sequence length\n\n").append(lengthTable(config, outcomes, true).toMarkdown()).append('\n');
        md.append("## Plots\n\n");
        for (String[] plot : new String[][]{{"Training loss", RunReport.LOSS_PNG}, {"Accuracy by sequence length", RunReport.ACCURACY_PNG},
                {"Evaluation throughput by sequence length", RunReport.THROUGHPUT_PNG}}) {
            md.append("- [").append(plot[0]).append("](").append(plot[1]).append(")\n\n  ![").append(plot[0]).append("](")
                    .append(plot[1]).append(")\n");
        }
        md.append('\n');
        sections.forEach(section -> md.append(section.toMarkdown()));
        md.append("## Runs\n\n");
        for (Comparison.Outcome o : outcomes) {
            md.append("- ").append(o.model().name()).append(": [report](").append(o.model().name()).append('/')
                    .append(RunReport.FILE_NAME).append(")").append(o.failure() != null ? " — failed: " + o.failure() : "").append('\n');
        }
        md.append("\n## Config\n\n```yaml\n").append(ConfigLoader.toYaml(config)).append("```\n");
        return md.toString();
    }
}
