package org.ssm4j.experiments.sweep;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.experiments.Nd4jThreads;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.config.ExperimentConfig;
import org.ssm4j.experiments.report.ProcessMemory;
import org.ssm4j.experiments.train.TaskContext;
import org.ssm4j.experiments.train.TrainingBatches;
import org.ssm4j.experiments.train.TrainingGraph;
import org.ssm4j.experiments.train.TrainingTask;
import org.ssm4j.mamba.graph.GradientFunctions;
import org.ssm4j.io.AtomicFiles;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Measures one length of a {@link LengthSweep} in a JVM of its own:
 * {@code SweepMain CONFIG RUN_DIR LENGTH OUT_JSON}. Opens the run's task at that length with a
 * freshly initialised model (the cost of a step does not depend on the weights), builds the
 * training graph for the sweep's batch, runs one warm-up step and the timed steps (gradients
 * of the loss for every parameter: forward and backward pass), and writes a
 * {@link SweepPoint} as JSON. Exit status 0 on success, 1 with the reason on standard error.
 */
public final class SweepMain {

    /**
     * A training step's memory over the forward pass's activation estimate: the step keeps the
     * forward activations for the backward pass, and the backward pass's own arrays and the
     * gradients come on top. Measured on the Transformer of the language configs at 2,048
     * tokens: 9.5 GB, against 12 × its 0.85 GB estimate.
     */
    static final int STEP_TO_FORWARD = 12;

    private SweepMain() {
    }

    public static void main(String[] args) {
        if (args.length != 4) {
            System.err.println("usage: SweepMain CONFIG RUN_DIR LENGTH OUT_JSON");
            System.exit(2);
        }
        try {
            ExperimentConfig config = ConfigLoader.load(Path.of(args[0]));
            SweepPoint point = measure(config, Path.of(args[1]), Integer.parseInt(args[2]));
            AtomicFiles.writeString(Path.of(args[3]), point.toJson().toPrettyString() + "\n");
        } catch (RuntimeException e) {
            System.err.println("error: " + e.getMessage());
            e.printStackTrace(System.err);
            System.exit(1);
        }
        System.exit(0);
    }

    /** Measures {@code config}'s model at {@code length} (in this JVM). */
    static SweepPoint measure(ExperimentConfig config, Path runDir, int length) {
        var sweep = config.sweep();
        if (sweep == null) {
            throw new IllegalArgumentException("the config has no sweep section");
        }
        Nd4jThreads.set(config.train().threads());
        Nd4j.getRandom().setSeed(config.train().seed());
        int batch = sweep.batchAt(length);
        ExperimentConfig atLength = new ExperimentConfig(config.name(), config.models(), config.task().withLength(length),
                config.train(), config.eval(), config.sweep());
        try (TrainingTask task = atLength.task().open(TaskContext.of(atLength, runDir))) {
            long estimate = STEP_TO_FORWARD * task.estimateForwardBytes(batch, length);
            if (estimate > sweep.maxMemoryBytes()) {
                return SweepPoint.skipped(length, batch, String.format("a step needs about %,d MiB, above sweep.max_memory_mb %,d",
                        estimate >> 20, sweep.maxMemoryMb()));
            }
            TrainingGraph graph = task.trainingGraph(batch);
            TrainingBatches batches = task.trainingBatches(graph, config.train().seed(), null);
            SameDiff sd = graph.sameDiff();
            GradientFunctions.create(sd);
            List<String> parameters = new ArrayList<>(task.model().parameters().keySet());
            long before = ProcessMemory.currentResidentBytes();
            double[] seconds = new double[sweep.steps()];
            for (int step = -1; step < sweep.steps(); step++) {
                Map<String, INDArray> feeds = batches.next();
                long start = System.nanoTime();
                sd.calculateGradientsAndOutputs(feeds, List.of(graph.lossName()), parameters);
                if (step >= 0) {
                    seconds[step] = (System.nanoTime() - start) / 1e9;
                }
                System.gc(); // as the trainer does: the peak is then the step's working set, not uncollected garbage
            }
            Arrays.sort(seconds);
            double median = seconds.length % 2 == 1 ? seconds[seconds.length / 2]
                    : (seconds[seconds.length / 2 - 1] + seconds[seconds.length / 2]) / 2;
            return new SweepPoint(length, batch, median, before, ProcessMemory.peakResidentBytes(), null);
        }
    }
}
