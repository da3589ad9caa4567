package org.ssm4j.cli;

import org.ssm4j.bench.GenerationBenchmark;
import org.ssm4j.mamba.generate.StepPrecision;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.Locale;

/** {@code ./mamba bench generate}: prefill and token-step speed on a model of mamba-130m's shape. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Measures recurrent generation on a float32 model of mamba-130m's shape (d_model 768, "
                + "vocabulary 50,280, state 16, expand 2, conv 4, dt rank 48) with random weights: prefill "
                + "tokens/s, tokens/s after a short and after a long prompt, peak memory.",
                "Progress goes to stderr; the figures to stdout."})
public final class BenchGenerateCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final GenerationBenchmark.Settings defaults = GenerationBenchmark.Settings.defaults();

    @Option(names = "--layers", paramLabel = "N", description = "Mamba blocks (default ${DEFAULT-VALUE}, as mamba-130m).")
    int layers = defaults.layers();

    @Option(names = "--threads", paramLabel = "N", description = "Threads of the token step (default ${DEFAULT-VALUE}).")
    int threads = defaults.threads();

    @Option(names = "--short-prompt", paramLabel = "TOKENS", description = "Prompt before the first generation run (default ${DEFAULT-VALUE}).")
    int shortPrompt = defaults.shortPrompt();

    @Option(names = "--long-prompt", paramLabel = "TOKENS", description = "Prompt before the second generation run (default ${DEFAULT-VALUE}).")
    int longPrompt = defaults.longPrompt();

    @Option(names = "--prefill-prompt", paramLabel = "TOKENS", description = "Prompt of the prefill measurement (default ${DEFAULT-VALUE}).")
    int prefillPrompt = defaults.prefillPrompt();

    @Option(names = "--tokens", paramLabel = "N", description = "Tokens generated per run (default ${DEFAULT-VALUE}).")
    int tokens = defaults.tokens();

    @Option(names = "--repeats", paramLabel = "N", description = "Prefill measurements; the best is reported (default ${DEFAULT-VALUE}).")
    int repeats = defaults.repeats();

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the weights and prompts (default ${DEFAULT-VALUE}).")
    long seed = defaults.seed();

    @Option(names = "--bf16", description = "Steps read bfloat16 copies of the weights instead of the float32 ones.")
    boolean bf16;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Override
    public void run() {
        GenerationBenchmark.Settings settings;
        try {
            settings = new GenerationBenchmark.Settings(layers, threads, shortPrompt, longPrompt, prefillPrompt, tokens,
                    repeats, seed, bf16 ? StepPrecision.BFLOAT16 : StepPrecision.FLOAT32);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter err = spec.commandLine().getErr();
        GenerationBenchmark.Result r = GenerationBenchmark.run(settings, line -> {
            err.println(line);
            err.flush();
        });
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(r.toJson());
        } else {
            out.printf("| measure (%s steps, %d threads) | value |%n|---|---|%n",
                    settings.stepPrecision().name().toLowerCase(Locale.ROOT), settings.threads());
            out.printf("| prefill, %d-token prompt | %.0f tokens/s |%n", settings.prefillPrompt(), r.prefillTokensPerSecond());
            out.printf("| generation after %d prompt tokens | %.1f tokens/s (%.2f ms/token) |%n", settings.shortPrompt(),
                    r.shortContextTokensPerSecond(), r.shortContextMsPerToken());
            out.printf("| generation after %d prompt tokens | %.1f tokens/s (%.2f ms/token, %.2f× the short context) |%n",
                    settings.longPrompt(), r.longContextTokensPerSecond(), r.longContextMsPerToken(), r.contextRatio());
            out.printf("| peak resident memory above the JVM's | %.0f MiB (weights %.0f MiB; %.0f MiB allocated on the "
                            + "Java heap) |%n", r.peakResidentBytes() / 1048576.0, r.weightBytes() / 1048576.0,
                    r.heapAllocatedBytes() / 1048576.0);
            out.printf("| load average before / after | %.2f / %.2f |%n", r.loadBefore(), r.loadAfter());
        }
        out.flush();
    }
}
