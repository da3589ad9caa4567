package org.ssm4j.cli;

import org.ssm4j.bench.TrainStepBenchmark;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;

/** {@code ./mamba bench train}: a training step's time, split by op. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Times a training step (the loss of a batch of random token ids and the gradient of every "
                + "parameter, float32) of a freshly initialised Mamba language model of mamba-130m's width (state 16, "
                + "expand 2, conv 4, dt rank d_model / 16), then splits the step's time by op: how much of it the "
                + "selective scan takes, on the device --scan-device names.",
                "Progress goes to stderr; the figures to stdout."})
public final class BenchTrainCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final TrainStepBenchmark.Settings defaults = TrainStepBenchmark.Settings.defaults();

    @Option(names = "--layers", paramLabel = "N", description = "Mamba blocks (default ${DEFAULT-VALUE}; mamba-130m has 24).")
    int layers = defaults.layers();

    @Option(names = "--d-model", paramLabel = "N", description = "Model width (default ${DEFAULT-VALUE}, as mamba-130m).")
    int hiddenSize = defaults.hiddenSize();

    @Option(names = "--vocab", paramLabel = "N", description = "Vocabulary (default ${DEFAULT-VALUE}, as mamba-130m).")
    int vocabSize = defaults.vocabSize();

    @Option(names = "--batch", paramLabel = "N", description = "Sequences per step (default ${DEFAULT-VALUE}).")
    int batch = defaults.batch();

    @Option(names = "--length", paramLabel = "TOKENS", description = "Tokens per sequence (default ${DEFAULT-VALUE}).")
    int length = defaults.length();

    @Option(names = "--steps", paramLabel = "N", description = "Timed steps, and as many profiled ones (default ${DEFAULT-VALUE}).")
    int steps = defaults.steps();

    @Option(names = "--warmup", paramLabel = "N", description = "Untimed steps before them, at least 1 (default ${DEFAULT-VALUE}).")
    int warmup = defaults.warmup();

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the weights and the token ids (default ${DEFAULT-VALUE}).")
    long seed = defaults.seed();

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Override
    public void run() {
        TrainStepBenchmark.Settings settings;
        try {
            settings = new TrainStepBenchmark.Settings(layers, hiddenSize, vocabSize, batch, length, steps, warmup, seed);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter err = spec.commandLine().getErr();
        TrainStepBenchmark.Result result = TrainStepBenchmark.run(settings, line -> {
            err.println(line);
            err.flush();
        });
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? result.toJson() : result.toText());
        out.flush();
    }
}
