package org.ssm4j.cli;

import org.ssm4j.bench.ScanBench;
import org.ssm4j.bench.ScanBenchResult;
import org.ssm4j.bench.ScanShape;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/** {@code ./mamba bench}: speed and memory measurements (the measuring code lives in the bench module). */
@Command(name = "bench",
        mixinStandardHelpOptions = true,
        description = "Measures ssm4j's ops: speed per element and peak memory.",
        subcommands = {BenchCommand.Scan.class, BenchGenerateCommand.class, BenchTrainCommand.class, BenchCommand.Jmh.class})
public final class BenchCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code ./mamba bench scan}: the selective_scan op and its backward op on one shape. */
    @Command(name = "scan",
            mixinStandardHelpOptions = true,
            description = {"Times the selective_scan op (FLOAT, channels-last, with D, z, delta_bias and softplus) "
                    + "forward and backward in ns per (channel, state, token) element, and its peak extra memory.",
                    "With --stock, also the same scan written with stock SameDiff ops (materialised exp(delta A))."})
    static final class Scan implements Callable<Integer> {

        @Option(names = "--batch", defaultValue = "1", description = "Batch size (default ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--channels", defaultValue = "1536", description = "Channels, d_inner (default ${DEFAULT-VALUE}).")
        int channels;

        @Option(names = "--state", defaultValue = "16", description = "State size N (default ${DEFAULT-VALUE}).")
        int state;

        @Option(names = "--length", defaultValue = "512", description = "Sequence length (default ${DEFAULT-VALUE}).")
        int length;

        @Option(names = "--repetitions", defaultValue = "10",
                description = "Timed forward+backward runs; the median and minimum are reported (default ${DEFAULT-VALUE}).")
        int repetitions;

        @Option(names = "--warmup", defaultValue = "3", description = "Untimed runs of the shape before them, at least 3 (default ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--stock", description = "Also run the scan written with stock SameDiff ops.")
        boolean stock;

        @Option(names = "--stock-limit-mib", defaultValue = "512",
                description = "Skip the stock version when one materialised (batch, length, channels, state) tensor "
                        + "exceeds this many MiB (default ${DEFAULT-VALUE}).")
        long stockLimitMib;

        @Option(names = "--json", description = "Print exactly one JSON object (keys fwd_ns_per_element, "
                + "bwd_ns_per_element, peak_bytes and more) instead of text.")
        boolean json;

        @Override
        public Integer call() {
            ScanBench.Options options = new ScanBench.Options(new ScanShape(batch, channels, state, length),
                    repetitions, warmup, stock, stockLimitMib * 1024 * 1024);
            // SameDiff prints a line per differentiated op on stdout: keep stdout for the result alone.
            PrintStream stdout = System.out;
            ScanBenchResult result;
            System.setOut(System.err);
            try {
                result = ScanBench.run(options);
            } finally {
                System.setOut(stdout);
            }
            stdout.println(json ? result.toJson() : result.toText());
            return 0;
        }
    }

    /** {@code ./mamba bench jmh}: the JMH benchmarks of the bench module, with JMH's own arguments. */
    @Command(name = "jmh",
            description = {"Runs the JMH benchmarks (org.ssm4j.bench.jmh); every argument goes to JMH, "
                    + "e.g. 'SelectiveScanBenchmark -p shape=1x1536x16x512' or '-h' for JMH's help."})
    static final class Jmh implements Callable<Integer> {

        /** Every argument, in order (the command declares none of its own, so picocli leaves them all unmatched). */
        @CommandLine.Unmatched
        String[] arguments = new String[0];

        @Override
        public Integer call() throws Exception {
            org.openjdk.jmh.Main.main(arguments);
            return 0;
        }
    }
}
