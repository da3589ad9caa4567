package org.ssm4j.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.ssm4j.datasets.DatasetCard;
import org.ssm4j.datasets.DatasetFormatException;
import org.ssm4j.datasets.ProgressListener;
import org.ssm4j.datasets.Provenance;
import org.ssm4j.datasets.audio.WavConverter;
import org.ssm4j.datasets.audio.WavPreparation;
import org.ssm4j.datasets.image.IdxConverter;
import org.ssm4j.datasets.image.IdxPreparation;
import org.ssm4j.datasets.text.TextConverter;
import org.ssm4j.datasets.text.TextPreparation;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mamba data}: dataset preparation. {@code mamba data prepare text|bpe|idx|wav} converts
 * raw files into Arrow IPC files with a dataset card, showing a progress bar on stderr.
 */
@Command(name = "data",
        mixinStandardHelpOptions = true,
        description = "Prepare datasets as Apache Arrow IPC files (see docs/datasets.md).",
        subcommands = {DataCommand.Prepare.class})
public final class DataCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code mamba data prepare}: the converters. */
    @Command(name = "prepare",
            mixinStandardHelpOptions = true,
            description = "Convert raw files into Arrow IPC files plus a dataset-card.json.",
            subcommands = {PrepareText.class, PrepareBpe.class, PrepareIdx.class, PrepareWav.class})
    static final class Prepare implements Runnable {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(System.out);
        }
    }

    /** Options every converter has. */
    static final class OutputOptions {
        @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR",
                description = "Output directory for the Arrow files and dataset-card.json (created if missing).")
        Path output;

        @Option(names = "--license", paramLabel = "TEXT", defaultValue = Provenance.UNKNOWN_LICENSE,
                description = "License of the source data, recorded in the card (default: ${DEFAULT-VALUE}).")
        String license;
    }

    /** Runs a conversion with a progress bar; turns bad input into a one-line error and exit code 1. */
    abstract static class Conversion implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        OutputOptions output;

        abstract DatasetCard convert(Provenance provenance, ProgressListener progress);

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Provenance provenance = new Provenance(commandLine(), output.license);
            DatasetCard card;
            try (ProgressBarListener progress = new ProgressBarListener(System.err)) {
                card = convert(provenance, progress);
            } catch (DatasetFormatException | IllegalArgumentException | UncheckedIOException e) {
                err.println("error: " + e.getMessage());
                err.flush();
                return 1;
            }
            out.println("wrote " + output.output.toAbsolutePath().resolve(DatasetCard.FILE_NAME));
            for (DatasetCard.SplitFile split : card.splits()) {
                out.println("  " + split.split() + ": " + split.file() + ", " + split.rows() + " rows");
            }
            out.flush();
            return 0;
        }

        /** The command as typed, for the dataset card. */
        private String commandLine() {
            List<String> args = spec.root().commandLine().getParseResult().originalArgs();
            return "mamba " + args.stream().map(Conversion::quote).collect(Collectors.joining(" "));
        }

        private static String quote(String argument) {
            return argument.matches("[A-Za-z0-9_./=:@%+,-]+") ? argument : "'" + argument.replace("'", "'\\''") + "'";
        }
    }

    /** {@code mamba data prepare text}. */
    @Command(name = "text", mixinStandardHelpOptions = true,
            description = "Text files -> byte-level token ids (0..255): train.arrow and validation.arrow.")
    static final class PrepareText extends Conversion {
        @Mixin
        TextOptions text;

        @Override
        DatasetCard convert(Provenance provenance, ProgressListener progress) {
            return TextConverter.convert(text.preparation(output.output, null, provenance), progress);
        }
    }

    /** {@code mamba data prepare bpe}. */
    @Command(name = "bpe", mixinStandardHelpOptions = true,
            description = "Text files -> BPE token ids through a Hugging Face tokenizer.json:"
                    + " train.arrow and validation.arrow.")
    static final class PrepareBpe extends Conversion {
        @Mixin
        TextOptions text;

        @Option(names = {"-t", "--tokenizer"}, required = true, paramLabel = "FILE",
                description = "The tokenizer.json (e.g. GPT-NeoX-20B's, used by the Mamba checkpoints).")
        Path tokenizer;

        @Override
        DatasetCard convert(Provenance provenance, ProgressListener progress) {
            return TextConverter.convert(text.preparation(output.output, tokenizer, provenance), progress);
        }
    }

    /** Options of the text converters. */
    static final class TextOptions {
        @Option(names = {"-i", "--input"}, required = true, arity = "1..*", paramLabel = "PATH",
                description = "Text files, or directories whose *.txt files are used; concatenated in order.")
        List<Path> inputs;

        @Option(names = "--split", paramLabel = "FRACTION", defaultValue = "0.1",
                description = "Share of the token stream, from its end, for validation.arrow; 0 for none"
                        + " (default: ${DEFAULT-VALUE}).")
        double validationFraction;

        @Option(names = "--tokens-per-batch", paramLabel = "N", defaultValue = "1048576",
                description = "Tokens per Arrow record batch (default: ${DEFAULT-VALUE}).")
        int tokensPerBatch;

        TextPreparation preparation(Path output, Path tokenizer, Provenance provenance) {
            return new TextPreparation(inputs, output, tokenizer, validationFraction, tokensPerBatch, provenance);
        }
    }

    /** {@code mamba data prepare idx}. */
    @Command(name = "idx", mixinStandardHelpOptions = true,
            description = "An MNIST-layout IDX directory (MNIST, Fashion-MNIST; gzipped or not) -> train.arrow"
                    + " and test.arrow with 'image' (rows*cols bytes) and 'label'.")
    static final class PrepareIdx extends Conversion {
        @Option(names = {"-i", "--input"}, required = true, paramLabel = "DIR",
                description = "Directory with train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],"
                        + " t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz].")
        Path input;

        @Option(names = "--images-per-batch", paramLabel = "N", defaultValue = "10000",
                description = "Images per Arrow record batch (default: ${DEFAULT-VALUE}).")
        int imagesPerBatch;

        @Override
        DatasetCard convert(Provenance provenance, ProgressListener progress) {
            return IdxConverter.convert(new IdxPreparation(input, output.output, imagesPerBatch, provenance), progress);
        }
    }

    /** {@code mamba data prepare wav}. */
    @Command(name = "wav", mixinStandardHelpOptions = true,
            description = "A directory of {label}_{speaker}_{index}.wav recordings (Free Spoken Digit Dataset"
                    + " layout, 16-bit mono PCM) -> train.arrow and test.arrow with samples, label, speaker,"
                    + " sample rate.")
    static final class PrepareWav extends Conversion {
        @Option(names = {"-i", "--input"}, required = true, paramLabel = "DIR",
                description = "Directory of the WAV recordings.")
        Path input;

        @Option(names = "--resample", paramLabel = "HZ", defaultValue = "0",
                description = "Resample every recording to this rate with a Kaiser-windowed sinc filter;"
                        + " 0 keeps the original rates (default: ${DEFAULT-VALUE}).")
        int targetRate;

        @Option(names = "--first-train-index", paramLabel = "N", defaultValue = "5",
                description = "Recordings with a smaller {index} form the test split (FSDD's official split: 5,"
                        + " the default).")
        int firstTrainIndex;

        @Option(names = "--recordings-per-batch", paramLabel = "N", defaultValue = "256",
                description = "Recordings per Arrow record batch (default: ${DEFAULT-VALUE}).")
        int recordingsPerBatch;

        @Override
        DatasetCard convert(Provenance provenance, ProgressListener progress) {
            return WavConverter.convert(new WavPreparation(input, output.output, targetRate, firstTrainIndex,
                    recordingsPerBatch, provenance), progress);
        }
    }

    /** Shows each conversion task as a progress bar (me.tongfei:progressbar) on stderr. */
    private static final class ProgressBarListener implements ProgressListener, AutoCloseable {
        private final PrintStream err;
        private ProgressBar bar;

        ProgressBarListener(PrintStream err) {
            this.err = err;
        }

        @Override
        public void begin(String task, long total, String unit) {
            end();
            boolean bytes = unit.equals("B");
            boolean large = total >= 100L << 20;
            bar = new ProgressBarBuilder()
                    .setTaskName(task)
                    .setInitialMax(total)
                    .setUnit(bytes ? (large ? " MiB" : " KiB") : " " + unit, bytes ? (large ? 1 << 20 : 1 << 10) : 1)
                    .setStyle(ProgressBarStyle.ASCII)
                    .setConsumer(new ConsoleProgressBarConsumer(err))
                    .setUpdateIntervalMillis(250)
                    .showSpeed()
                    .build();
        }

        @Override
        public void advance(long units) {
            if (bar != null) {
                bar.stepBy(units);
            }
        }

        @Override
        public void end() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }

        @Override
        public void close() {
            end();
        }
    }
}
