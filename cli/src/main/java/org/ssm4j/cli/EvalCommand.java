package org.ssm4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.ssm4j.experiments.Nd4jThreads;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.config.TaskConfig;
import org.ssm4j.experiments.eval.EvalResult;
import org.ssm4j.experiments.report.Formats;
import org.ssm4j.experiments.train.Checkpoint;
import org.ssm4j.experiments.train.TaskContext;
import org.ssm4j.experiments.train.TrainingTask;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code mamba eval}: the accuracy of a trained checkpoint on a task at a sequence length. */
@Command(name = "eval",
        mixinStandardHelpOptions = true,
        description = {"Score a trained checkpoint at one length: on fixed sequences of a synthetic task, or on the "
                + "held-out data of the task it was trained on (byte_lm: validation windows; classification: the test split).",
                "Prints the accuracy on the answer positions (and the loss); --json prints one JSON object."})
public final class EvalCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "CHECKPOINT",
            description = "checkpoint.safetensors written by mamba train.")
    Path model;

    @Option(names = "--task", required = true, paramLabel = "NAME",
            description = "selective_copying or induction_heads, or the checkpoint's own task (whose settings are then kept).")
    String task;

    @Option(names = "--length", required = true, paramLabel = "L", description = "Tokens per sequence.")
    int length;

    @Option(names = "--samples", defaultValue = "256", paramLabel = "N", description = "Sequences to score (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed of the evaluation sequences (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--batch-size", defaultValue = "16", paramLabel = "B", description = "Sequences per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--threads", defaultValue = "1", paramLabel = "T", description = "CPU threads for ND4J (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--max-memory-mb", defaultValue = "8192", paramLabel = "MB",
            description = "Refuse lengths whose activations the model estimates above this (default: ${DEFAULT-VALUE}).")
    int maxMemoryMb;

    @Option(names = "--json", description = "Print {\"accuracy\":...,\"loss\":...,\"length\":...,\"samples\":...} only.")
    boolean json;

    @Override
    public Integer call() {
        return ExperimentCommands.reportingErrors(spec, () -> {
            if (samples <= 0 || batchSize <= 0 || length <= 0) {
                throw new IllegalArgumentException("--length, --samples and --batch-size must be positive, got " + length + ", "
                        + samples + " and " + batchSize);
            }
            Nd4jThreads.set(threads);
            Checkpoint checkpoint = Checkpoint.read(model);
            TaskConfig trained = checkpoint.config().task();
            TaskConfig taskConfig = trained.name().equals(task) ? trained.withLength(length) : TaskConfig.defaults(task, length);
            EvalResult result;
            try (TrainingTask opened = checkpoint.openTask(taskConfig, new TaskContext(checkpoint.config().singleModel(), seed,
                    batchSize, (long) maxMemoryMb << 20, model.toAbsolutePath().getParent()))) {
                result = opened.evaluate(length, samples);
            }
            if (result.wasSkipped()) {
                throw new IllegalArgumentException("length " + length + " not evaluated: " + result.skipped()
                        + " (raise --max-memory-mb or lower --batch-size)");
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                ObjectNode node = ConfigLoader.json().createObjectNode().put("accuracy", result.accuracy()).put("loss", result.loss())
                        .put("length", result.length()).put("samples", result.samples());
                out.println(node);
            } else {
                out.println("accuracy " + Formats.accuracy(result.accuracy()) + " (loss " + Formats.loss(result.loss()) + ") on "
                        + samples + " sequences of " + length + " tokens of " + task + ", step " + checkpoint.step()
                        + " of " + checkpoint.config().singleModel().name());
            }
            out.flush();
            return 0;
        });
    }
}
