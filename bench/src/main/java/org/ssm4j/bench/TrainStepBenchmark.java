package org.ssm4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.kernels.cuda.CudaScanKernels;
import org.ssm4j.mamba.MambaConfig;
import org.ssm4j.mamba.MambaLM;
import org.ssm4j.mamba.graph.MambaGraph;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Times a training step of a Mamba language model: the loss of a batch of random token ids
 * and the gradient of every parameter ({@link MambaLM#lossAndGradients}, the work of a step
 * but for the optimizer's element-wise update), float32, on a freshly initialised model of
 * mamba-130m's width (state 16, expand 2, conv 4, dt rank d_model / 16) with a chosen depth,
 * vocabulary and batch. Then the same steps again with {@link OpTimes} attached, which splits
 * a step's time by op: how much of it the selective scan takes, on whichever device
 * {@value CudaScanKernels#DEVICE_PROPERTY} names.
 *
 * <p>As the trainer does, the garbage collector runs after every step (outside the timing):
 * ND4J frees native arrays only when their Java objects are collected.
 */
public final class TrainStepBenchmark {

    /**
     * What to measure.
     *
     * @param layers     Mamba blocks
     * @param hiddenSize d_model (768 for mamba-130m)
     * @param vocabSize  vocabulary (50,280 for mamba-130m)
     * @param batch      sequences per step
     * @param length     tokens per sequence
     * @param steps      timed steps, and as many profiled ones
     * @param warmup     untimed steps first (at least 1: the first step builds the gradient graph)
     * @param seed       seed of the weights and the token ids
     */
    public record Settings(int layers, int hiddenSize, int vocabSize, int batch, int length, int steps, int warmup,
                           long seed) {
        public Settings {
            if (layers < 1 || hiddenSize < 16 || vocabSize < 2 || batch < 1 || length < 2 || steps < 1 || warmup < 1) {
                throw new IllegalArgumentException("expected layers >= 1, hidden size >= 16, vocabulary >= 2, batch >= 1, "
                        + "length >= 2, steps >= 1 and warmup >= 1, got layers " + layers + ", hidden size "
                        + hiddenSize + ", vocabulary " + vocabSize + ", batch " + batch + ", length " + length
                        + ", steps " + steps + ", warmup " + warmup);
            }
        }

        /** Two layers of mamba-130m (d_model 768, vocabulary 50,280), one sequence of 512 tokens, 3 steps after 1. */
        public static Settings defaults() {
            return new Settings(2, 768, 50280, 1, 512, 3, 1, 7);
        }

        /** The model these settings describe. */
        public MambaConfig config() {
            return MambaConfig.builder().vocabSize(vocabSize).hiddenSize(hiddenSize).stateSize(16)
                    .numHiddenLayers(layers).expand(2).convKernel(4).timeStepRank((hiddenSize + 15) / 16).build();
        }

        /** Tokens in one step's batch. */
        public long tokens() {
            return (long) batch * length;
        }
    }

    /**
     * One op name's share of a profiled step.
     *
     * @param op            the op's name in the graph (e.g. {@code selective_scan_bp})
     * @param callsPerStep  executions per step
     * @param millisPerStep wall time per step in the executioner (SameDiff allocates the outputs before)
     */
    public record OpShare(String op, long callsPerStep, double millisPerStep) {
    }

    /**
     * The figures.
     *
     * @param scanDevice          where the selective scan ran ({@value CudaScanKernels#DEVICE_PROPERTY})
     * @param processors          processors the JVM saw
     * @param parameters          the model's parameters
     * @param firstLoss           the loss of the first step (finite: the step computed something)
     * @param stepMillis          median wall time of the timed steps
     * @param minStepMillis       the fastest timed step
     * @param profiledStepMillis  median wall time of the profiled steps (with {@link OpTimes})
     * @param ops                 every op name's time per profiled step, the most first
     * @param loadBefore          the load average (1 minute) when the run started
     * @param loadAfter           the load average when it ended
     */
    public record Result(Settings settings, String scanDevice, int processors, long parameters, double firstLoss,
                         double stepMillis, double minStepMillis, double profiledStepMillis, List<OpShare> ops,
                         double loadBefore, double loadAfter) {

        /** Tokens trained on per second at the median step time. */
        public double tokensPerSecond() {
            return settings.tokens() / (stepMillis / 1000);
        }

        /** Milliseconds per profiled step of the ops whose name starts with {@code prefix}. */
        public double millisOf(String prefix) {
            return ops.stream().filter(o -> o.op().startsWith(prefix)).mapToDouble(OpShare::millisPerStep).sum();
        }

        /** A Markdown table: the step, then each op name above 1% of the profiled step, then the rest. */
        public String toText() {
            StringBuilder s = new StringBuilder();
            s.append(String.format(Locale.ROOT, "training step: %d layers, d_model %d, vocabulary %d, batch %d x %d tokens,"
                            + " %,d parameters, scan on %s, %d processors, load %.2f / %.2f%n",
                    settings.layers(), settings.hiddenSize(), settings.vocabSize(), settings.batch(), settings.length(),
                    parameters, scanDevice, processors, loadBefore, loadAfter));
            s.append("| measure | ms per step | share of the profiled step |\n|---|---:|---:|\n");
            s.append(String.format(Locale.ROOT, "| step, median of %d (min %.1f ms; %.0f tokens/s; first loss %.3f) | %.1f | |%n",
                    settings.steps(), minStepMillis, tokensPerSecond(), firstLoss, stepMillis));
            s.append(String.format(Locale.ROOT, "| profiled step, median of %d | %.1f | 100.0%% |%n", settings.steps(),
                    profiledStepMillis));
            double rest = 0;
            long restOps = 0;
            for (OpShare op : ops) {
                if (op.millisPerStep() >= profiledStepMillis / 100) {
                    s.append(String.format(Locale.ROOT, "| %s (%d per step) | %.1f | %.1f%% |%n", op.op(), op.callsPerStep(),
                            op.millisPerStep(), 100 * op.millisPerStep() / profiledStepMillis));
                } else {
                    rest += op.millisPerStep();
                    restOps++;
                }
            }
            double outside = profiledStepMillis - ops.stream().mapToDouble(OpShare::millisPerStep).sum();
            s.append(String.format(Locale.ROOT, "| %d other op names | %.1f | %.1f%% |%n", restOps, rest,
                    100 * rest / profiledStepMillis));
            s.append(String.format(Locale.ROOT, "| between the ops (SameDiff: allocating outputs, bookkeeping) | %.1f | %.1f%% |%n", outside,
                    100 * outside / profiledStepMillis));
            return s.toString();
        }

        /** One JSON object with every setting and figure. */
        public ObjectNode toJson() {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode o = mapper.createObjectNode();
            o.put("layers", settings.layers());
            o.put("hidden_size", settings.hiddenSize());
            o.put("vocab_size", settings.vocabSize());
            o.put("batch", settings.batch());
            o.put("length", settings.length());
            o.put("steps", settings.steps());
            o.put("scan_device", scanDevice);
            o.put("processors", processors);
            o.put("parameters", parameters);
            o.put("first_loss", firstLoss);
            o.put("step_ms", stepMillis);
            o.put("min_step_ms", minStepMillis);
            o.put("tokens_per_second", tokensPerSecond());
            o.put("profiled_step_ms", profiledStepMillis);
            ArrayNode list = o.putArray("ops");
            for (OpShare op : ops) {
                list.addObject().put("op", op.op()).put("calls_per_step", op.callsPerStep()).put("ms_per_step", op.millisPerStep());
            }
            o.put("load_average_before", loadBefore);
            o.put("load_average_after", loadAfter);
            return o;
        }
    }

    private TrainStepBenchmark() {
    }

    /** Builds the model, runs the warm-up, timed and profiled steps, reporting progress lines to {@code progress}. */
    public static Result run(Settings settings, Consumer<String> progress) {
        double loadBefore = loadAverage();
        MambaConfig config = settings.config();
        String device = System.getProperty(CudaScanKernels.DEVICE_PROPERTY, "cpu");
        progress.accept(String.format(Locale.ROOT, "initialising %d layers, d_model %d, vocabulary %d; scan on %s",
                settings.layers(), settings.hiddenSize(), settings.vocabSize(), device));
        MambaLM lm = MambaLM.initialize(config, DataType.FLOAT, settings.seed());
        long[] tokens = new SplittableRandom(settings.seed()).longs(settings.tokens(), 0, config.vocabSize()).toArray();
        INDArray ids = Nd4j.createFromArray(tokens).reshape(settings.batch(), settings.length());
        INDArray labels = MambaGraph.nextTokenLabels(ids);
        double firstLoss = Double.NaN;
        for (int i = 0; i < settings.warmup(); i++) {
            Step step = step(lm, ids, labels);
            if (i == 0) {
                firstLoss = step.loss();
            }
            progress.accept(String.format(Locale.ROOT, "warm-up step %d of %d done", i + 1, settings.warmup()));
        }
        double[] timed = new double[settings.steps()];
        for (int i = 0; i < timed.length; i++) {
            timed[i] = step(lm, ids, labels).millis();
            progress.accept(String.format(Locale.ROOT, "step %d: %.1f ms", i + 1, timed[i]));
        }
        OpTimes times = new OpTimes();
        double[] profiled = new double[settings.steps()];
        lm.sameDiff().addListeners(times);
        try {
            for (int i = 0; i < profiled.length; i++) {
                profiled[i] = step(lm, ids, labels).millis();
                progress.accept(String.format(Locale.ROOT, "profiled step %d: %.1f ms", i + 1, profiled[i]));
            }
        } finally {
            lm.sameDiff().setListeners();
        }
        List<OpShare> ops = new ArrayList<>();
        for (OpTimes.Total total : times.totals()) {
            ops.add(new OpShare(total.op(), total.calls() / settings.steps(), total.nanos() / 1e6 / settings.steps()));
        }
        return new Result(settings, device, Runtime.getRuntime().availableProcessors(), lm.parameterCount(), firstLoss,
                ScanBench.median(timed), ScanBench.min(timed), ScanBench.median(profiled), ops, loadBefore,
                loadAverage());
    }

    private record Step(double loss, double millis) {
    }

    /** One step, timed: the loss and every gradient; then, untimed, the garbage collector, as the trainer runs it. */
    private static Step step(MambaLM lm, INDArray ids, INDArray labels) {
        long start = System.nanoTime();
        double loss = lm.lossAndGradients(ids, labels).loss();
        double millis = (System.nanoTime() - start) / 1e6;
        System.gc();
        return new Step(loss, millis);
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
