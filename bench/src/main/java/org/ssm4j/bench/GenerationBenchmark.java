package org.ssm4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.api.buffer.DataType;
import org.ssm4j.mamba.MambaConfig;
import org.ssm4j.mamba.MambaWeights;
import org.ssm4j.mamba.generate.GenerationOptions;
import org.ssm4j.mamba.generate.Generator;
import org.ssm4j.mamba.generate.RecurrentMamba;
import org.ssm4j.mamba.graph.MambaInitialization;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Measures recurrent generation on a model of mamba-130m's shape (d_model 768, 24 layers,
 * vocabulary 50,280, state 16, expand 2, conv 4, dt rank 48) with random weights built from
 * the config (nothing is downloaded), float32:
 * <ul>
 *   <li>prefill speed: prompt tokens per second for one long prompt (best of the repeats);</li>
 *   <li>generation speed after a short and after a long prompt: the median time between
 *       consecutive generated tokens (a step, greedy choice and listener call), so the
 *       second shows whether a token's cost grows with the context;</li>
 *   <li>the process's peak resident memory from the model's creation on (the weights, the
 *       recurrent states, the prefill's activations, the JVM).</li>
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
     */
    public record Settings(int layers, int threads, int shortPrompt, int longPrompt, int prefillPrompt, int tokens,
                           int repeats, long seed) {
        public Settings {
            for (int v : new int[]{layers, threads, shortPrompt, longPrompt, prefillPrompt, repeats}) {
                if (v < 1) {
                    throw new IllegalArgumentException("benchmark settings must be positive, got " + this);
                }
            }
            if (tokens < 3) {
                throw new IllegalArgumentException("tokens must be at least 3 to time steps, got " + tokens);
            }
        }

        /** mamba-130m's 24 layers, both threads, prompts of 100, 4,000 and 2,048 tokens, 64 new tokens. */
        public static Settings defaults() {
            return new Settings(24, Runtime.getRuntime().availableProcessors(), 100, 4000, 2048, 64, 2, 7);
        }
    }

    /**
     * The figures.
     *
     * @param prefillTokensPerSecond     best prefill speed over the repeats
     * @param shortContextMsPerToken     median ms per generated token after the short prompt
     * @param longContextMsPerToken      the same after the long prompt
     * @param peakResidentBytes          the process's peak resident memory (VmHWM), or -1 if unknown
     * @param weightBytes                bytes of float32 weights the step reads per token
     * @param loadBefore                 the load average (1 minute) when the run started
     * @param loadAfter                  the load average (1 minute) when it ended
     */
    public record Result(Settings settings, double prefillTokensPerSecond, double shortContextMsPerToken,
                         double longContextMsPerToken, long peakResidentBytes, long weightBytes,
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
            o.put("peak_resident_mib", peakResidentBytes < 0 ? -1 : round(peakResidentBytes / 1048576.0));
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
        MambaConfig config = mamba130m(settings.layers());
        progress.accept("building random weights: " + settings.layers() + " layers, d_model " + config.hiddenSize()
                + ", vocabulary " + config.paddedVocabSize());
        MambaWeights weights = MambaInitialization.initialize(config, DataType.FLOAT, settings.seed());
        long weightBytes = weights.parameterCount() * Float.BYTES;
        SplittableRandom random = new SplittableRandom(settings.seed());
        try (RecurrentMamba model = RecurrentMamba.create(weights, settings.threads())) {
            // The model uses the float32 weights in place; what building them left behind is
            // freed, and the peak is counted from here.
            System.gc();
            resetPeakResident();
            Generator generator = new Generator(model);
            progress.accept("warming up");
            stepTimes(generator, prompt(random, 64, config), settings.tokens());
            model.prefill(model.newState(1), 0, prompt(random, Math.min(512, settings.prefillPrompt()), config));

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
            return new Result(settings, bestPrefill, shortMs, longMs, peakResidentBytes(), weightBytes, loadBefore,
                    loadAverage());
        }
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

    /** Resets the kernel's peak-resident counter (VmHWM) of this process where Linux allows it. */
    static void resetPeakResident() {
        Path clearRefs = Path.of("/proc/self/clear_refs");
        if (Files.isWritable(clearRefs)) {
            try {
                Files.writeString(clearRefs, "5");
            } catch (IOException e) {
                // Not permitted here (some containers): the peak then includes the set-up.
            }
        }
    }

    /** VmHWM from /proc/self/status, in bytes; -1 where there is no such file. */
    static long peakResidentBytes() {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            return -1;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + status, e);
        }
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
