package org.ssm4j.experiments.compare;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.ssm4j.experiments.RunMain;
import org.ssm4j.experiments.report.RunSummary;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.config.ExperimentConfig;
import org.ssm4j.experiments.config.ModelConfig;
import org.ssm4j.io.AtomicFiles;
import org.ssm4j.experiments.io.ChildJvm;
import org.ssm4j.experiments.train.Trainer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs every model of an experiment on the same task, training and evaluation settings, each
 * in a JVM of its own (so that its training throughput and peak memory are its own, and a
 * model that fails does not stop the others), in {@code OUT/<model name>/}; then writes the
 * side-by-side {@link ComparisonReport} in {@code OUT}.
 */
public final class Comparison {

    private static final Logger LOG = LoggerFactory.getLogger(Comparison.class);

    /** Name of the single-model config written into each model's run directory. */
    public static final String MODEL_CONFIG_FILE = "config.yaml";

    /**
     * How one model's run went.
     *
     * @param model   the model
     * @param runDir  its run directory
     * @param summary its results, or null if the run failed
     * @param failure why it failed, or null
     */
    public record Outcome(ModelConfig model, Path runDir, @Nullable RunSummary summary, @Nullable String failure) {
    }

    private Comparison() {
    }

    /**
     * Runs the comparison.
     *
     * @param resume continue interrupted runs and reuse finished ones; without it, an output
     *               directory that already holds a run of one of the models is refused
     */
    public static List<Outcome> run(ExperimentConfig config, Path outDir, boolean resume) {
        if (!resume) {
            for (ModelConfig model : config.models()) {
                Path checkpoint = Trainer.checkpointFile(outDir.resolve(model.name()));
                if (Files.exists(checkpoint)) {
                    throw new IllegalArgumentException(outDir.resolve(model.name()) + " already holds a run (" + checkpoint.getFileName()
                            + "); resume the comparison or choose another output directory");
                }
            }
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (ModelConfig model : config.models()) {
            outcomes.add(runModel(config.withOnlyModel(model), outDir.resolve(model.name()), resume));
        }
        ComparisonReport.write(outDir, config, outcomes);
        return outcomes;
    }

    private static Outcome runModel(ExperimentConfig config, Path runDir, boolean resume) {
        ModelConfig model = config.singleModel();
        if (resume && Files.exists(runDir.resolve(RunSummary.FILE_NAME)) && sameConfig(runDir, config)) {
            LOG.info("{}: finished before, reusing {}", model.name(), runDir.resolve(RunSummary.FILE_NAME));
            return new Outcome(model, runDir, RunSummary.read(runDir), null);
        }
        Path configFile = runDir.resolve(MODEL_CONFIG_FILE);
        AtomicFiles.writeString(configFile, ConfigLoader.toYaml(config));
        List<String> args = new ArrayList<>(List.of(configFile.toString(), runDir.toString()));
        if (resume) {
            args.add("--resume");
        }
        LOG.info("{}: training in a new JVM, output in {}", model.name(), runDir);
        try {
            Process process = ChildJvm.builder(RunMain.class, args).inheritIO().start();
            int status = process.waitFor();
            if (status != 0) {
                return new Outcome(model, runDir, null, "run exited with status " + status + " (its error is printed above)");
            }
            return new Outcome(model, runDir, RunSummary.read(runDir), null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a JVM for model " + model.name(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while model " + model.name() + " was training", e);
        }
    }

    private static boolean sameConfig(Path runDir, ExperimentConfig config) {
        Path file = runDir.resolve(MODEL_CONFIG_FILE);
        return Files.exists(file) && ConfigLoader.load(file).equals(config);
    }
}
