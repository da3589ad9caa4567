package org.ssm4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.mamba.MambaConfig;
import org.ssm4j.mamba.MambaParameters;
import org.ssm4j.mamba.MambaWeights;
import org.ssm4j.mamba.generate.GenerationOptions;
import org.ssm4j.mamba.generate.Generator;
import org.ssm4j.mamba.generate.RecurrentMamba;
import org.ssm4j.mamba.generate.StepPrecision;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Measures recurrent generation on a model of mamba-130m's shape (d_model 768, 24 layers,
 * vocabulary 50,280, state 16, expand 2, conv 4, dt rank 48) with random float32 weights
 * built from the config (nothing is downloaded):
 * <ul>
 *   <li>prefill speed: prompt tokens per second for one long prompt (best of the repeats);</li>
 *   <li>generation speed after a short and after a long prompt: the median time between
 *       consecutive generated tokens (a step, greedy choice and listener call), so the
 *       second shows whether a token's cost grows with the context;</li>
 *   <li>the peak resident memory all that takes: the weights, the recurrent states, the
 *       prefill's activations and the heap's growth, above the process's size before
 *       ({@link MemoryProbe}).</li>
 * </ul>
 * The machine's load average is recorded with the figures: on a shared machine they vary.
 */
public final class GenerationBenchmark {

    /**
     * What to measure.
     *
     * @param layers        Mamba blocks (24 for mamba-130m)
     * @param threads       threads of the token step
     * @param shortPrompt   prompt length before the first generation run
     * @param longPrompt    prompt length before the second generation run
     * @param prefillPrompt prompt length of the prefill measurement
     * @param tokens        tokens generated per generation run
     * @param repeats       prefill measurements (the best is reported)
     * @param seed          seed of the weights and the prompts
     * @param stepPrecision the element type of the weights a step reads
     */
    public record Settings(int layers, int threads, int shortPrompt, int longPrompt, int prefillPrompt, int tokens,
                           int repeats, long seed, StepPrecision stepPrecision) {
        public Settings {
            for (int v : new int[]{layers, threads, shortPrompt, longPrompt, prefillPrompt, repeats}) {
                if (v < 1) {
                    throw new IllegalArgumentException("benchmark settings must be positive, got " + this);
                }
            }
            Objects.requireNonNull(stepPrecision, "stepPrecision");
            if (tokens < 3) {
                throw new IllegalArgumentException("tokens must be at least 3 to time steps, got " + tokens);
            }
        }

        /** mamba-130m's 24 layers, every processor, prompts of 100, 4,000 and 2,048 tokens, 64 new tokens, float32. */
        public static Settings defaults() {
            return new Settings(24, Runtime.getRuntime().availableProcessors(), 100, 4000, 2048, 64, 2, 7,
                    StepPrecision.FLOAT32);
        }
    }

    /**
     * The figures.
     *
     * @param prefillTokensPerSecond     best prefill speed over the repeats
     * @param shortContextMsPerToken     median ms per generated token after the short prompt
     * @param longContextMsPerToken      the same after the long prompt
     * @param peakResidentBytes          the peak of the process's resident memory above its size
     *                                   before the weights were built ({@link MemoryProbe}): the
     *                                   weights, states, activations, and the Java heap as it grows
     * @param heapAllocatedBytes         Java heap bytes allocated meanwhile (garbage included)
     * @param weightBytes                bytes of the model's float32 weights
     * @param loadBefore                 the load average (1 minute) when the run started
     * @param loadAfter                  the load average (1 minute) when it ended
     */
    public record Result(Settings settings, double prefillTokensPerSecond, double shortContextMsPerToken,
                         double longContextMsPerToken, long peakResidentBytes, long heapAllocatedBytes, long weightBytes,
                         double loadBefore, double loadAfter) {

        /** Tokens per second after the short prompt. */
        public double shortContextTokensPerSecond() {
            return 1000 / shortContextMsPerToken;
        }

        /** Tokens per second after the long prompt. */
        public double longContextTokensPerSecond() {
            return 1000 / longContextMsPerToken;
        }

        /** Per-token time after the long prompt over that after the short one (1 is flat). */
        public double contextRatio() {
            return longContextMsPerToken / shortContextMsPerToken;
        }

        /** One JSON object with every setting and figure. */
        public ObjectNode toJson() {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("layers", settings.layers());
            o.put("threads", settings.threads());
            o.put("step_precision", settings.stepPrecision().name().toLowerCase(Locale.ROOT));
            o.put("prefill_prompt_tokens", settings.prefillPrompt());
            o.put("prefill_tokens_per_second", round(prefillTokensPerSecond));
            o.put("short_prompt_tokens", settings.shortPrompt());
            o.put("short_context_ms_per_token", round(shortContextMsPerToken));
            o.put("short_context_tokens_per_second", round(shortContextTokensPerSecond()));
            o.put("long_prompt_tokens", settings.longPrompt());
            o.put("long_context_ms_per_token", round(longContextMsPerToken));
            o.put("long_context_tokens_per_second", round(longContextTokensPerSecond()));
            o.put("long_over_short", round(contextRatio()));
            o.put("generated_tokens_per_run", settings.tokens());
            o.put("peak_resident_mib", round(peakResidentBytes / 1048576.0));
            o.put("heap_allocated_mib", round(heapAllocatedBytes / 1048576.0));
            o.put("weight_mib", round(weightBytes / 1048576.0));
            o.put("load_average_before", loadBefore);
            o.put("load_average_after", loadAfter);
            return o;
        }

        private static double round(double v) {
            return Math.round(v * 100) / 100.0;
        }
    }

    private GenerationBenchmark() {
    }

    /** mamba-130m's config with another number of layers. */
    public static MambaConfig mamba130m(int layers) {
        return MambaConfig.builder().vocabSize(50280).hiddenSize(768).stateSize(16).numHiddenLayers(layers)
                .expand(2).convKernel(4).timeStepRank(48).build();
    }

    /** Runs the measurements, reporting progress lines to {@code progress}. */
    public static Result run(Settings settings, Consumer<String> progress) {
        double loadBefore = loadAverage();
        Result[] result = new Result[1];
        MemoryProbe.Usage memory = MemoryProbe.measure(() -> result[0] = measure(settings, progress, loadBefore));
        Result r = result[0];
        return new Result(r.settings(), r.prefillTokensPerSecond(), r.shortContextMsPerToken(),
                r.longContextMsPerToken(), memory.residentPeakBytes(), memory.heapAllocatedBytes(), r.weightBytes(),
                loadBefore, r.loadAfter());
    }

    /** Builds the model and takes every timing; the memory figure is filled in by {@link #run}. */
    private static Result measure(Settings settings, Consumer<String> progress, double loadBefore) {
        MambaConfig config = mamba130m(settings.layers());
        progress.accept("building random weights: " + settings.layers() + " layers, d_model " + config.hiddenSize()
                + ", vocabulary " + config.paddedVocabSize());
        MambaWeights weights = randomWeights(config, settings.seed());
        long weightBytes = weights.parameterCount() * Float.BYTES;
        SplittableRandom random = new SplittableRandom(settings.seed());
        try (RecurrentMamba model = RecurrentMamba.create(weights, RecurrentMamba.Options.defaults()
                .withThreads(settings.threads()).withStepPrecision(settings.stepPrecision()))) {
            Generator generator = new Generator(model);
            progress.accept("warming up");
            stepTimes(generator, prompt(random, 64, config), settings.tokens());
            for (int i = 0; i < 3; i++) {
                model.prefill(model.newState(1), 0, prompt(random, Math.min(RecurrentMamba.PREFILL_CHUNK, settings.prefillPrompt()), config));
            }

            double bestPrefill = 0;
            for (int r = 0; r < settings.repeats(); r++) {
                int[] p = prompt(random, settings.prefillPrompt(), config);
                long start = System.nanoTime();
                model.prefill(model.newState(1), 0, p);
                double rate = p.length / ((System.nanoTime() - start) / 1e9);
                progress.accept(String.format("prefill %d tokens: %.1f tokens/s", p.length, rate));
                bestPrefill = Math.max(bestPrefill, rate);
            }
            double shortMs = median(stepTimes(generator, prompt(random, settings.shortPrompt(), config), settings.tokens()));
            progress.accept(String.format("after %d prompt tokens: %.2f ms/token", settings.shortPrompt(), shortMs));
            double longMs = median(stepTimes(generator, prompt(random, settings.longPrompt(), config), settings.tokens()));
            progress.accept(String.format("after %d prompt tokens: %.2f ms/token", settings.longPrompt(), longMs));
            return new Result(settings, bestPrefill, shortMs, longMs, 0, 0, weightBytes, loadBefore, loadAverage());
        }
    }

    /**
     * Every parameter drawn from N(0, 0.02²) by ND4J's generator, straight into native float32
     * arrays: a model of the right shape whose set-up leaves nothing on the Java heap to
     * inflate the memory figure (the values do not change the speed).
     */
    static MambaWeights randomWeights(MambaConfig config, long seed) {
        Nd4j.getRandom().setSeed(seed);
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        for (MambaParameters.Spec spec : MambaParameters.of(config).specs().values()) {
            tensors.put(spec.name(), Nd4j.randn(DataType.FLOAT, spec.shape()).muli(0.02));
        }
        return new MambaWeights(config, tensors);
    }

    /** Greedy generation of {@code tokens} tokens; the milliseconds between consecutive tokens. */
    private static double[] stepTimes(Generator generator, int[] prompt, int tokens) {
        long[] at = new long[tokens];
        int[] count = {0};
        generator.generate(prompt, GenerationOptions.greedy(tokens), (sequence, token) -> at[count[0]++] = System.nanoTime());
        double[] ms = new double[tokens - 1];
        for (int i = 1; i < tokens; i++) {
            ms[i - 1] = (at[i] - at[i - 1]) / 1e6;
        }
        return ms;
    }

    private static int[] prompt(SplittableRandom random, int length, MambaConfig config) {
        return random.ints(length, 0, config.vocabSize()).toArray();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** The one-minute load average, or -1 where /proc/loadavg does not exist. */
    static double loadAverage() {
        Path loadavg = Path.of("/proc/loadavg");
        if (!Files.isReadable(loadavg)) {
            return -1;
        }
        try {
            return Double.parseDouble(Files.readString(loadavg).split(" ")[0]);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + loadavg, e);
        }
    }
}
