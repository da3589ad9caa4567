package org.ssm4j.experiments.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.config.ExperimentConfig;
import org.ssm4j.experiments.eval.EvalResult;
import org.ssm4j.io.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A run's {@code report.md} and its plots: the config, the results table (accuracy, loss and
 * evaluation throughput by length), training figures, and three PNGs: loss curves
 * ({@value #LOSS_PNG}), accuracy by length ({@value #ACCURACY_PNG}) and evaluation
 * throughput by length ({@value #THROUGHPUT_PNG}).
 */
public final class RunReport {

    /** File name of the report. */
    public static final String FILE_NAME = "report.md";
    /** Training and evaluation loss by step. */
    public static final String LOSS_PNG = "loss.png";
    /** Final accuracy by sequence length. */
    public static final String ACCURACY_PNG = "accuracy_vs_length.png";
    /** Evaluation tokens per second by sequence length. */
    public static final String THROUGHPUT_PNG = "tokens_per_second_vs_length.png";

    private RunReport() {
    }

    /** Writes the plots and the report into {@code runDir} (which holds run.json and metrics.jsonl). */
    public static void write(Path runDir, ExperimentConfig config, RunSummary summary, List<ObjectNode> metrics) {
        write(runDir, config, summary, metrics, List.of());
    }

    /** Writes the report with extra sections (a task's analysis, a sweep) after the plots. */
    public static void write(Path runDir, ExperimentConfig config, RunSummary summary, List<ObjectNode> metrics,
                             List<ReportSection> sections) {
        Charts.writeLineChart(runDir.resolve(LOSS_PNG), "Training loss: " + summary.model(), "step",
                Charts.Scale.LINEAR, "cross-entropy", Charts.Scale.LOG10, List.of(
                        series("train", metrics, "train", "step", "loss", false),
                        series("evaluation (length " + config.task().length() + ")", metrics, "eval", "step", "loss", true)));
        Charts.writeLineChart(runDir.resolve(ACCURACY_PNG), "Accuracy by sequence length: " + summary.model(),
                "sequence length", Charts.Scale.LOG2, "accuracy", Charts.Scale.FRACTION,
                List.of(lengthSeries(summary, false)));
        Charts.writeLineChart(runDir.resolve(THROUGHPUT_PNG), "Evaluation throughput by sequence length: " + summary.model(),
                "sequence length", Charts.Scale.LOG2, "tokens per second (forward pass)", Charts.Scale.LOG10,
                List.of(lengthSeries(summary, true)));
        AtomicFiles.writeString(runDir.resolve(FILE_NAME), markdown(runDir, config, summary, metrics, sections));
    }

    /** One chart series from the metrics records of one type ({@code x} and {@code y} keys). */
    public static Charts.Series series(String name, List<ObjectNode> metrics, String type, String xKey, String yKey, boolean points) {
        List<ObjectNode> records = metrics.stream().filter(r -> type.equals(r.path("type").asText()) && r.has(yKey)).toList();
        double[] x = records.stream().mapToDouble(r -> r.path(xKey).asDouble()).toArray();
        double[] y = records.stream().mapToDouble(r -> r.path(yKey).asDouble()).toArray();
        return new Charts.Series(name, x, y, points);
    }

    /** Accuracy (or, with {@code throughput}, evaluation tokens per second) by length of a run's final evaluation. */
    public static Charts.Series lengthSeries(RunSummary summary, boolean throughput) {
        List<EvalResult> evals = summary.evaluations();
        return new Charts.Series(summary.model(), evals.stream().mapToDouble(EvalResult::length).toArray(),
                evals.stream().mapToDouble(e -> throughput ? e.tokensPerSecond() : e.accuracy()).toArray(), true);
    }

    private static String markdown(Path runDir, ExperimentConfig config, RunSummary summary, List<ObjectNode> metrics,
                                   List<ReportSection> sections) {
        StringBuilder md = new StringBuilder();
        md.append("# ").append(config.name()).append("\n\n");
        md.append(String.format(Locale.ROOT, "Model **%s** (`%s`, %,d parameters) on **%s** (training length %d, %s), seed %d.%n%n",
                summary.model(), summary.modelType(), summary.parameterCount(), config.task().name(), config.task().length(),
                config.task().vocabularyDescription(), config.train().seed()));
        md.append(String.format(Locale.ROOT, "Trained %d of %d steps (%,d tokens) in %.1f s of training steps: %s tokens/s. ",
                summary.steps(), config.train().steps(), summary.trainTokens(), summary.trainSeconds(),
                Formats.count(summary.trainTokensPerSecond())));
        md.append(summary.stopReason() != null ? "Stopped early: " + summary.stopReason() + ". " : "");
        md.append("Last training loss ").append(Formats.loss(summary.finalTrainLoss()))
                .append("; peak resident memory ").append(Formats.mebibytes(summary.peakResidentBytes())).append(" MiB.\n\n");

        md.append("## Results\n\nFinal evaluation, ").append(config.eval().finalSamples())
                .append(" sequences per length, scored as the task scores them (synthetic tasks: the answer positions only; "
                        + "language modelling: every next byte; classification: the class).\n\n");
        MarkdownTable table = new MarkdownTable(List.of("length", "accuracy", "loss", "eval tokens/s"));
        for (EvalResult e : summary.evaluations()) {
            table.row(e.wasSkipped()
                    ? List.of(String.valueOf(e.length()), "skipped: " + e.skipped(), "—", "—")
                    : List.of(String.valueOf(e.length()), Formats.accuracy(e.accuracy()), Formats.loss(e.loss()),
                    Formats.count(e.tokensPerSecond())));
        }
        md.append(table.toMarkdown()).append('\n');
        metrics.stream().filter(r -> "eval".equals(r.path("type").asText())).reduce((a, b) -> b).ifPresent(last ->
                md.append(String.format(Locale.ROOT, "Last periodic evaluation (step %d, length %d): accuracy %s, loss %s.%n%n",
                        last.path("step").asInt(), last.path("length").asInt(), Formats.accuracy(last.path("accuracy").asDouble(Double.NaN)),
                        Formats.loss(last.path("loss").asDouble(Double.NaN)))));

        md.append("## Plots\n\n");
        md.append("- [Loss curves](").append(LOSS_PNG).append(")\n\n  ![Loss curves](").append(LOSS_PNG).append(")\n");
        md.append("- [Accuracy by sequence length](").append(ACCURACY_PNG).append(")\n\n  ![Accuracy by sequence length](")
                .append(ACCURACY_PNG).append(")\n");
        md.append("- [Evaluation throughput by sequence length](").append(THROUGHPUT_PNG)
                .append(")\n\n  ![Evaluation throughput by sequence length](").append(THROUGHPUT_PNG).append(")\n\n");

        sections.forEach(section -> md.append(section.toMarkdown()));
        md.append("## Config\n\n```yaml\n").append(ConfigLoader.toYaml(config)).append("```\n\n");
        md.append("## Where it ran\n\n").append(environment(runDir));
        md.append("\nFiles: `run.json` (config and environment), `metrics.jsonl` (every step and evaluation), ")
                .append("`results.json` (this table), `checkpoint.safetensors` (weights and optimiser state; ")
                .append("`./mamba eval --model` scores it at other lengths).\n");
        return md.toString();
    }

    private static String environment(Path runDir) {
        Path file = runDir.resolve(RunInfo.FILE_NAME);
        JsonNode info;
        try {
            info = ConfigLoader.json().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        JsonNode env = info.path("nd4j").path("environment");
        return "- commit: `" + info.path("git").path("commit").asText() + "`"
                + (info.path("git").path("dirty").asBoolean(false) ? " (with uncommitted changes)" : "") + "\n"
                + "- JVM: " + info.path("jvm").path("vm").asText() + " " + info.path("jvm").path("version").asText() + "\n"
                + "- ND4J backend: " + info.path("nd4j").path("backend").asText() + " (BLAS " + env.path("blas.vendor").asText("?")
                + ", " + env.path("omp.threads").asText("?") + " OpenMP threads)\n"
                + "- CPU: " + info.path("cpu").path("model").asText() + ", " + info.path("cpu").path("available_processors").asInt()
                + " logical processors\n";
    }
}
