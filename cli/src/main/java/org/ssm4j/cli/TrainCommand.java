package org.ssm4j.cli;

import org.ssm4j.experiments.ExperimentRunner;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.config.ExperimentConfig;
import org.ssm4j.experiments.report.ConsoleProgress;
import org.ssm4j.experiments.report.RunReport;
import org.ssm4j.experiments.report.RunSummary;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code mamba train}: a model on a synthetic task, as a config file (or the built-in default) describes. */
@Command(name = "train",
        mixinStandardHelpOptions = true,
        description = {"Train a model on a synthetic task, a text corpus, images or recordings as a YAML config describes "
                + "(see docs/experiments.md and docs/experiments-domains.md).",
                "Writes run.json, metrics.jsonl, checkpoint.safetensors, results.json, report.md and PNG plots. "
                        + "Without --config, runs the built-in short Selective Copying experiment. A config listing "
                        + "several models trains each as compare does."})
public final class TrainCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "Experiment config (YAML); default: the built-in experiment.")
    Path config;

    @Option(names = "--out", paramLabel = "DIR", description = "Run directory (default: runs/<config name>).")
    Path out;

    @Option(names = "--resume", description = "Continue the run whose checkpoint is in the run directory.")
    boolean resume;

    @Override
    public Integer call() {
        return ExperimentCommands.reportingErrors(spec, () -> {
            ExperimentConfig experiment = config != null ? ConfigLoader.load(config) : ConfigLoader.defaultExperiment();
            Path dir = out != null ? out : Path.of("runs", experiment.name());
            if (experiment.models().size() > 1) {
                return ExperimentCommands.compare(spec, experiment, dir, resume);
            }
            RunSummary summary;
            try (ConsoleProgress progress = new ConsoleProgress()) {
                summary = ExperimentRunner.run(experiment, dir, resume, List.of(progress));
            }
            PrintWriter printer = spec.commandLine().getOut();
            printer.print(ExperimentCommands.lengthTable(summary).toText());
            printer.println("report: " + dir.resolve(RunReport.FILE_NAME));
            printer.flush();
            return 0;
        });
    }
}
