package org.ssm4j.cli;

import org.ssm4j.experiments.compare.Comparison;
import org.ssm4j.experiments.compare.ComparisonReport;
import org.ssm4j.experiments.config.ExperimentConfig;
import org.ssm4j.experiments.eval.EvalResult;
import org.ssm4j.experiments.report.Formats;
import org.ssm4j.experiments.report.MarkdownTable;
import org.ssm4j.experiments.report.RunReport;
import org.ssm4j.experiments.report.RunSummary;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** What the experiment commands (train, eval, compare) share. */
final class ExperimentCommands {
    private ExperimentCommands() {
    }

    /**
     * Runs a command body; a bad config, file or argument becomes one line {@code error: ...}
     * on standard error and exit status 1.
     */
    static int reportingErrors(CommandLine.Model.CommandSpec spec, Callable<Integer> body) {
        try {
            return body.call();
        } catch (IllegalArgumentException | UncheckedIOException | UnsupportedOperationException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("error: " + e.getMessage());
            err.flush();
            return 1;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs a {@link Comparison} and prints the summary at the training length, the models side
     * by side, accuracy and loss by length, and where the report is; exit status 1 if any model
     * failed.
     */
    static int compare(CommandLine.Model.CommandSpec spec, ExperimentConfig experiment, Path dir, boolean resume) {
        List<Comparison.Outcome> outcomes = Comparison.run(experiment, dir, resume);
        PrintWriter printer = spec.commandLine().getOut();
        printer.println("at the training length (" + experiment.task().length() + " tokens):");
        printer.print(ComparisonReport.summaryTable(experiment, outcomes).toText());
        printer.println();
        printer.print(ComparisonReport.modelTable(outcomes).toText());
        printer.println();
        printer.println("accuracy by sequence length:");
        printer.print(ComparisonReport.lengthTable(experiment, outcomes, false).toText());
        printer.println();
        printer.println("loss by sequence length:");
        printer.print(ComparisonReport.lengthTable(experiment, outcomes, true).toText());
        printer.println("report: " + dir.resolve(RunReport.FILE_NAME));
        printer.flush();
        return outcomes.stream().allMatch(o -> o.failure() == null) ? 0 : 1;
    }

    /** A run's final evaluation as a table: length, accuracy, loss, evaluation tokens/s. */
    static MarkdownTable lengthTable(RunSummary summary) {
        MarkdownTable table = new MarkdownTable(List.of("length", "accuracy", "loss", "eval tokens/s"));
        for (EvalResult e : summary.evaluations()) {
            table.row(e.wasSkipped()
                    ? List.of(String.valueOf(e.length()), "skipped", "—", "—")
                    : List.of(String.valueOf(e.length()), Formats.accuracy(e.accuracy()), Formats.loss(e.loss()),
                    Formats.count(e.tokensPerSecond())));
        }
        return table;
    }
}
