package org.ssm4j.experiments.train;

import org.jspecify.annotations.Nullable;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.ssm4j.experiments.config.ExperimentConfig;
import org.ssm4j.experiments.config.TrainConfig;
import org.ssm4j.experiments.eval.EvalResult;
import org.ssm4j.experiments.models.CarriedState;
import org.ssm4j.experiments.models.TrainableModel;
import org.ssm4j.mamba.graph.GradientFunctions;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains the model of a {@link TrainingTask} on it: per optimiser step, gradients of the
 * task's loss from {@code SameDiff.calculateGradientsAndOutputs} for each of
 * {@code accumulate} micro-batches, averaged, clipped to the global norm {@code clip}, then an
 * {@link AdamW} update at the learning rate of a {@link WarmupCosineSchedule}. Every
 * {@code eval_every} steps it evaluates on the task's evaluation set at the training length and
 * asks {@link EarlyStopping}; every {@code checkpoint_every} steps, at the end and when
 * stopping early it writes a {@link Checkpoint}. Every step and evaluation goes to the
 * {@link MetricsLog}.
 *
 * <p>Same config and seed on the same machine give the same metrics and weights, bit for bit,
 * whether the run is uninterrupted or killed and resumed from a checkpoint: batches come from
 * a seeded stream whose state is checkpointed, nothing else is random after initialisation,
 * and the order of every reduction the trainer does is fixed.
 */
public final class Trainer {

    /** File name of the checkpoint in a run directory. */
    public static final String CHECKPOINT_FILE = "checkpoint.safetensors";

    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private final TrainingTask task;
    private final TrainableModel model;
    private final ExperimentConfig config;
    private final Path outDir;
    private final List<TrainingListener> listeners;

    /**
     * @param task      the task and its model (whose parameters are updated in place)
     * @param config    the run's config (one model)
     * @param outDir    run directory for the checkpoint and metrics
     * @param listeners progress hooks
     */
    public Trainer(TrainingTask task, ExperimentConfig config, Path outDir, List<TrainingListener> listeners) {
        this.task = task;
        this.model = task.model();
        this.config = config;
        this.outDir = outDir;
        this.listeners = List.copyOf(listeners);
    }

    /** The checkpoint file of a run directory. */
    public static Path checkpointFile(Path outDir) {
        return outDir.resolve(CHECKPOINT_FILE);
    }

    /**
     * Trains from scratch ({@code resumeFrom} null) or continues from a checkpoint of this
     * run (then the model's parameters are overwritten with the checkpoint's).
     *
     * @param metrics where steps and evaluations are logged (for a resumed run, opened with
     *                {@link MetricsLog#resumeAfter}); left open
     */
    public TrainingResult train(@Nullable Checkpoint resumeFrom, MetricsLog metrics) {
        TrainConfig train = config.train();
        int length = task.length();
        AdamW adam = new AdamW(model.parameters(), model.noDecayParameterNames(),
                new AdamW.Settings(train.beta1(), train.beta2(), train.eps(), train.weightDecay()));
        WarmupCosineSchedule schedule = new WarmupCosineSchedule(train.lr(), train.minLr(), train.warmup(), train.steps());
        EarlyStopping earlyStopping = new EarlyStopping(train.earlyStop());

        int step = 0;
        double trainSeconds = 0;
        long tokens = 0;
        if (resumeFrom != null) {
            Checkpoint.copyParameters(resumeFrom.parameters(), model.parameters(), checkpointFile(outDir).toString());
            adam.restore(resumeFrom.step(), resumeFrom.firstMoments(), resumeFrom.secondMoments());
            earlyStopping.restore(resumeFrom.earlyStopping());
            step = resumeFrom.step();
            trainSeconds = resumeFrom.trainSeconds();
            tokens = resumeFrom.tokens();
            if (resumeFrom.finished()) {
                LOG.info("checkpoint at step {} is of a finished run: nothing left to train", step);
                return new TrainingResult(step, resumeFrom.stopReason(), trainSeconds, tokens);
            }
            LOG.info("resuming at step {} of {}", step, train.steps());
        } else if (train.initFrom() != null) {
            Path from = Path.of(train.initFrom()).toAbsolutePath();
            try {
                Checkpoint.copyParameters(Checkpoint.read(from).parameters(), model.parameters(), from.toString());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("train.init_from: " + e.getMessage(), e);
            }
            LOG.info("parameters initialised from {}", from);
        }

        TrainingGraph graph = train.statePassing() ? task.trainingGraphPassingState(train.batchSize())
                : task.trainingGraph(train.batchSize());
        Map<String, INDArray> carried = carriedStates(graph, resumeFrom);
        TrainingBatches stream = task.trainingBatches(graph, train.seed(), resumeFrom == null ? null : resumeFrom.stream());
        GradientFunctions.create(graph.sameDiff());
        List<String> names = new ArrayList<>(model.parameters().keySet());
        Map<String, INDArray> gradients = new LinkedHashMap<>();
        model.parameters().forEach((name, p) -> gradients.put(name, p.ulike()));
        long tokensPerStep = (long) train.sequencesPerStep() * length;
        listeners.forEach(l -> l.onStart(resumeFrom == null ? 0 : resumeFrom.step(), train.steps(), tokensPerStep));

        @Nullable String stopReason = null;
        while (step < train.steps() && stopReason == null) {
            long start = System.nanoTime();
            double loss = accumulateGradients(graph, stream, names, gradients, train.accumulate(), carried);
            double gradNorm = GradientClipping.clipGlobalNorm(gradients.values(), train.clip());
            double lr = schedule.lr(step);
            adam.step(model.parameters(), gradients, lr);
            // ND4J frees an array's off-heap memory only once the garbage collector has collected
            // its Java object. A step allocates hundreds of MB off-heap but little heap, so without
            // this the collector seldom runs and the process grows to many GB (15 GB for a
            // 68k-parameter Transformer at length 256, against 1.5 GB with it); a collection of a
            // small heap takes milliseconds.
            System.gc();
            step++;
            double seconds = (System.nanoTime() - start) / 1e9;
            trainSeconds += seconds;
            tokens += tokensPerStep;
            StepMetrics stepMetrics = new StepMetrics(step, loss, lr, gradNorm, tokens, seconds, tokensPerStep / seconds);
            metrics.train(stepMetrics);
            listeners.forEach(l -> l.onStep(stepMetrics));

            if (step % train.evalEvery() == 0 || step == train.steps()) {
                EvalResult result = task.evaluate(length, config.eval().samples());
                metrics.eval("eval", step, result);
                int evalStep = step;
                listeners.forEach(l -> l.onEvaluation(evalStep, result));
                if (earlyStopping.shouldStop(result)) {
                    stopReason = earlyStopping.reason();
                    LOG.info("stopping early after step {}: {}", step, stopReason);
                }
            }
            boolean finished = step == train.steps() || stopReason != null;
            if (step % train.checkpointEvery() == 0 || finished) {
                Path file = checkpointFile(outDir);
                new Checkpoint(config, step, finished, stopReason, model.parameters(), adam.firstMoments(),
                        adam.secondMoments(), stream.state(), earlyStopping.state(), trainSeconds, tokens, carried).write(file);
                int checkpointStep = step;
                listeners.forEach(l -> l.onCheckpoint(checkpointStep, file));
            }
        }
        TrainingResult result = new TrainingResult(step, stopReason, trainSeconds, tokens);
        listeners.forEach(l -> l.onEnd(result));
        return result;
    }

    /**
     * The states the first micro-batch starts from, by placeholder: a resumed run's checkpointed
     * ones, else zeros (none for a graph that carries none).
     *
     * @throws IllegalArgumentException if the checkpoint's states differ in names, shapes or types
     */
    private static Map<String, INDArray> carriedStates(TrainingGraph graph, @Nullable Checkpoint resumeFrom) {
        Map<String, INDArray> carried = new LinkedHashMap<>();
        graph.carriedStates().forEach(state -> carried.put(state.input(), state.zeros()));
        if (resumeFrom != null) {
            Checkpoint.copyArrays("carried state", resumeFrom.carriedStates(), carried, "of step " + resumeFrom.step());
        }
        return carried;
    }

    /**
     * Runs {@code micro} micro-batches and leaves the mean of their gradients in
     * {@code gradients}; returns the mean of their losses. Each micro-batch starts from the
     * states in {@code carried} and leaves its own final states there for the next.
     */
    private static double accumulateGradients(TrainingGraph graph, TrainingBatches stream, List<String> names,
                                              Map<String, INDArray> gradients, int micro, Map<String, INDArray> carried) {
        double lossSum = 0;
        List<String> outputs = new ArrayList<>(List.of(graph.lossName()));
        graph.carriedStates().forEach(state -> outputs.add(state.output()));
        for (int i = 0; i < micro; i++) {
            Map<String, INDArray> feeds = stream.next();
            if (!carried.isEmpty()) {
                feeds = new LinkedHashMap<>(feeds);
                feeds.putAll(carried);
            }
            OutAndGrad result = graph.sameDiff().calculateGradientsAndOutputs(feeds, outputs, names);
            for (CarriedState state : graph.carriedStates()) {
                carried.get(state.input()).assign(result.getOutputs().get(state.output()));
            }
            lossSum += result.getOutputs().get(graph.lossName()).getDouble(0);
            for (String name : names) {
                INDArray g = result.getGradients().get(name);
                if (g == null) {
                    throw new IllegalStateException("the loss does not depend on parameter '" + name + "'");
                }
                if (i == 0) {
                    gradients.get(name).assign(g);
                } else {
                    gradients.get(name).addi(g);
                }
            }
        }
        if (micro > 1) {
            gradients.values().forEach(g -> g.divi(micro));
        }
        return lossSum / micro;
    }
}
