package org.ssm4j.cli;

import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.config.ExperimentConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code mamba compare}: several models, same task and budget, side by side. */
@Command(name = "compare",
        mixinStandardHelpOptions = true,
        description = {"Train several models on the same task and compare them side by side.",
                "Trains every model of the config's models: list, each in its own JVM, evaluates them over the "
                        + "config's sequence lengths and tabulates accuracy, loss, training tokens/s and peak memory "
                        + "(report.md and PNG plots in the output directory)."})
public final class CompareCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "Experiment config (YAML) listing the models.")
    Path config;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: runs/<config name>); one run directory per model inside.")
    Path out;

    @Option(names = "--resume", description = "Continue interrupted runs and reuse finished ones.")
    boolean resume;

    @Override
    public Integer call() {
        return ExperimentCommands.reportingErrors(spec, () -> {
            ExperimentConfig experiment = ConfigLoader.load(config);
            return ExperimentCommands.compare(spec, experiment, out != null ? out : Path.of("runs", experiment.name()), resume);
        });
    }
}
