package org.ssm4j.experiments;

import org.jspecify.annotations.Nullable;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.config.ExperimentConfig;
import org.ssm4j.experiments.eval.EvalResult;
import org.ssm4j.experiments.models.TrainableModel;
import org.ssm4j.experiments.report.ProcessMemory;
import org.ssm4j.experiments.report.RunInfo;
import org.ssm4j.experiments.report.ReportSection;
import org.ssm4j.experiments.report.RunReport;
import org.ssm4j.experiments.report.RunSummary;
import org.ssm4j.experiments.sweep.LengthSweep;
import org.ssm4j.experiments.train.Checkpoint;
import org.ssm4j.experiments.train.MetricsLog;
import org.ssm4j.experiments.train.TaskContext;
import org.ssm4j.experiments.train.Trainer;
import org.ssm4j.experiments.train.TrainingTask;
import org.ssm4j.experiments.train.TrainingListener;
import org.ssm4j.experiments.train.TrainingResult;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one experiment end to end in a run directory: {@code run.json}, training with
 * {@code metrics.jsonl} and checkpoints, the final evaluation at every length of
 * {@code eval.lengths}, {@code results.json}, the task's own analysis of the trained model,
 * the context-length sweep if the config has one, and {@code report.md} with its plots.
 */
public final class ExperimentRunner {

    private static final Logger LOG = LoggerFactory.getLogger(ExperimentRunner.class);

    private ExperimentRunner() {
    }

    /**
     * Runs {@code config} (one model) in {@code outDir}.
     *
     * @param resume continue the run whose checkpoint is in {@code outDir} (from scratch if
     *               there is none yet); without it, a directory holding a checkpoint is refused
     * @throws IllegalArgumentException if the directory holds another run, or the config
     *                                  differs from the checkpoint's
     */
    public static RunSummary run(ExperimentConfig config, Path outDir, boolean resume, List<TrainingListener> listeners) {
        config.singleModel(); // refuses a config of several models before the directory is touched
        Checkpoint checkpoint = existingCheckpoint(config, outDir, resume);
        long seed = config.train().seed();
        Nd4jThreads.set(config.train().threads());
        Nd4j.getRandom().setSeed(seed);
        Path metricsFile = outDir.resolve(MetricsLog.FILE_NAME);
        List<EvalResult> evaluations = new ArrayList<>();
        List<ReportSection> sections = new ArrayList<>();
        RunSummary summary;
        try (TrainingTask task = config.task().open(TaskContext.of(config, outDir))) {
            TrainableModel model = task.model();
            TrainingResult training;
            try (MetricsLog metrics = checkpoint == null ? MetricsLog.create(metricsFile)
                    : MetricsLog.resumeAfter(metricsFile, checkpoint.step())) {
                RunInfo.write(outDir, config, model, checkpoint == null ? null : checkpoint.step());
                LOG.info("{}: {} with {} parameters on {} (length {}), output in {}", config.name(), config.singleModel().name(),
                        String.format("%,d", model.parameterCount()), config.task().name(), config.task().length(), outDir);
                training = new Trainer(task, config, outDir, listeners).train(checkpoint, metrics);
                for (int length : config.eval().lengths()) {
                    EvalResult result = task.evaluate(length, config.eval().finalSamples());
                    metrics.eval("final_eval", training.steps(), result);
                    evaluations.add(result);
                    listeners.forEach(l -> l.onFinalEvaluation(result));
                }
            }
            List<ObjectNode> records = MetricsLog.read(metricsFile);
            double lastTrainLoss = records.stream().filter(r -> "train".equals(r.path("type").asText()))
                    .reduce((a, b) -> b).map(r -> r.path("loss").asDouble()).orElse(Double.NaN);
            summary = new RunSummary(config.name(), config.singleModel().name(), config.singleModel().type(),
                    model.parameterCount(), training.steps(), training.stopReason(), training.trainSeconds(), training.tokens(),
                    lastTrainLoss, ProcessMemory.peakResidentBytes(), evaluations);
            summary.write(outDir);
            sections.addAll(task.analyse(outDir, records));
        }
        if (config.sweep() != null) {
            LengthSweep.Measured measured = new LengthSweep.Measured(config.singleModel().name(), LengthSweep.run(config, outDir));
            sections.add(LengthSweep.section(config.sweep(), List.of(measured), ""));
        }
        RunReport.write(outDir, config, summary, MetricsLog.read(metricsFile), sections);
        LOG.info("{}: report in {}", config.name(), outDir.resolve(RunReport.FILE_NAME));
        return summary;
    }

    private static @Nullable Checkpoint existingCheckpoint(ExperimentConfig config, Path outDir, boolean resume) {
        Path file = Trainer.checkpointFile(outDir);
        if (!Files.exists(file)) {
            if (resume) {
                LOG.warn("no checkpoint in {} yet: starting the run from scratch", outDir);
            }
            return null;
        }
        if (!resume) {
            throw new IllegalArgumentException(outDir + " already holds a run (" + file.getFileName()
                    + "); resume it or choose another output directory");
        }
        Checkpoint checkpoint = Checkpoint.read(file);
        if (!checkpoint.config().equals(config)) {
            throw new IllegalArgumentException("the config differs from the one of the run in " + outDir + ": "
                    + firstDifference(ConfigLoader.toYaml(checkpoint.config()), ConfigLoader.toYaml(config)));
        }
        return checkpoint;
    }

    private static String firstDifference(String saved, String given) {
        String[] a = saved.split("\n");
        String[] b = given.split("\n");
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            String x = i < a.length ? a[i].strip() : "(nothing)";
            String y = i < b.length ? b[i].strip() : "(nothing)";
            if (!x.equals(y)) {
                return "run has '" + x + "', config has '" + y + "'";
            }
        }
        return "(no textual difference)";
    }
}
