package org.ssm4j.experiments.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.config.ExperimentConfig;
import org.ssm4j.experiments.config.SweepConfig;
import org.ssm4j.experiments.io.ChildJvm;
import org.ssm4j.experiments.report.Charts;
import org.ssm4j.experiments.report.Formats;
import org.ssm4j.experiments.report.MarkdownTable;
import org.ssm4j.experiments.report.ReportSection;
import org.ssm4j.io.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The context-length sweep of a run ({@link SweepConfig}): one {@link SweepMain} JVM per
 * length, then {@value #FILE_NAME} with every {@link SweepPoint}, plots of training tokens per
 * second and of memory against the length, and a report section.
 */
public final class LengthSweep {

    /** File name of the results in a run directory. */
    public static final String FILE_NAME = "sweep.json";
    /** Training throughput against length. */
    public static final String THROUGHPUT_PNG = "sweep_tokens_per_second.png";
    /** Memory against length. */
    public static final String MEMORY_PNG = "sweep_memory.png";

    private static final Logger LOG = LoggerFactory.getLogger(LengthSweep.class);
    private static final String WORK_DIR = "sweep";

    private LengthSweep() {
    }

    /**
     * Measures every length of {@code config.sweep()} for the run in {@code runDir} (whose
     * prepared data the measuring JVMs reuse) and writes the results and plots there.
     *
     * @return the points, in the order of the lengths; a length whose JVM failed is a skipped
     *         point naming the failure
     */
    public static List<SweepPoint> run(ExperimentConfig config, Path runDir) {
        SweepConfig sweep = config.sweep();
        if (sweep == null) {
            throw new IllegalArgumentException("experiment '" + config.name() + "' has no sweep section");
        }
        Path work = runDir.resolve(WORK_DIR);
        Path configFile = work.resolve("config.yaml");
        AtomicFiles.writeString(configFile, ConfigLoader.toYaml(config));
        List<SweepPoint> points = new ArrayList<>();
        for (int length : sweep.lengths()) {
            Path out = work.resolve("length-" + length + ".json");
            LOG.info("{}: measuring a training step at length {} (batch {}) in a new JVM", config.singleModel().name(), length,
                    sweep.batchAt(length));
            points.add(measureInChild(configFile, runDir, length, sweep.batchAt(length), out));
        }
        write(runDir, config.singleModel().name(), points);
        return points;
    }

    private static SweepPoint measureInChild(Path configFile, Path runDir, int length, int batch, Path out) {
        try {
            Files.deleteIfExists(out);
            Process process = ChildJvm.builder(SweepMain.class, List.of(configFile.toString(), runDir.toString(),
                    String.valueOf(length), out.toString())).redirectErrorStream(true)
                    .redirectOutput(out.resolveSibling("length-" + length + ".log").toFile()).start();
            int status = process.waitFor();
            if (status != 0 || !Files.exists(out)) {
                return SweepPoint.skipped(length, batch, "the measuring JVM exited with status " + status + " (see "
                        + WORK_DIR + "/length-" + length + ".log)");
            }
            return SweepPoint.fromJson(ConfigLoader.json().readTree(Files.readString(out)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run the sweep at length " + length, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring length " + length, e);
        }
    }

    private static void write(Path runDir, String model, List<SweepPoint> points) {
        ObjectNode root = ConfigLoader.json().createObjectNode().put("model", model);
        ArrayNode array = root.putArray("points");
        points.forEach(p -> array.add(p.toJson()));
        AtomicFiles.writeString(runDir.resolve(FILE_NAME), root.toPrettyString() + "\n");
        writeCharts(runDir, List.of(new Measured(model, points)), "");
    }

    /** A model's sweep. */
    public record Measured(String model, List<SweepPoint> points) {
    }

    /** Reads a run directory's {@value #FILE_NAME}. */
    public static Measured read(Path runDir) {
        Path file = runDir.resolve(FILE_NAME);
        try {
            JsonNode root = ConfigLoader.json().readTree(Files.readString(file));
            List<SweepPoint> points = new ArrayList<>();
            root.path("points").forEach(p -> points.add(SweepPoint.fromJson(p)));
            return new Measured(root.path("model").asText(), points);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /**
     * Draws training tokens per second and memory against the length, one line per model,
     * into {@code dir}.
     *
     * @param prefix prefix of the PNG names
     */
    public static void writeCharts(Path dir, List<Measured> models, String prefix) {
        List<Charts.Series> throughput = new ArrayList<>();
        List<Charts.Series> memory = new ArrayList<>();
        for (Measured m : models) {
            List<SweepPoint> done = m.points().stream().filter(p -> !p.wasSkipped()).toList();
            double[] x = done.stream().mapToDouble(SweepPoint::length).toArray();
            throughput.add(new Charts.Series(m.model(), x, done.stream().mapToDouble(SweepPoint::tokensPerSecond).toArray(), true));
            memory.add(new Charts.Series(m.model(), x, done.stream().mapToDouble(p -> p.stepBytes() / 1048576.0).toArray(), true));
        }
        Charts.writeLineChart(dir.resolve(prefix + THROUGHPUT_PNG), "Training throughput by sequence length",
                "sequence length (tokens)", Charts.Scale.LOG2, "training tokens per second (forward + backward)",
                Charts.Scale.LOG10, throughput);
        Charts.writeLineChart(dir.resolve(prefix + MEMORY_PNG), "Memory a training step adds by sequence length",
                "sequence length (tokens)", Charts.Scale.LOG2, "MiB of resident memory added by the steps", Charts.Scale.ZERO_BASED,
                memory);
    }

    /** The report section of one or more models' sweeps (the plots are {@code prefix}-named PNGs beside the report). */
    public static ReportSection section(SweepConfig sweep, List<Measured> models, String prefix) {
        List<String> header = new ArrayList<>(List.of("length"));
        for (Measured m : models) {
            header.add(m.model() + " tokens/s");
            header.add(m.model() + " step MiB");
            header.add(m.model() + " peak MiB");
        }
        MarkdownTable table = new MarkdownTable(header);
        for (int length : sweep.lengths()) {
            List<String> row = new ArrayList<>(List.of(String.valueOf(length)));
            for (Measured m : models) {
                SweepPoint p = m.points().stream().filter(q -> q.length() == length).findFirst().orElse(null);
                if (p == null || p.wasSkipped()) {
                    row.add(p == null ? "—" : "skipped: " + p.skipped());
                    row.add("—");
                    row.add("—");
                } else {
                    row.add(Formats.count(p.tokensPerSecond()));
                    row.add(Formats.mebibytes(p.stepBytes()));
                    row.add(Formats.mebibytes(p.peakResidentBytes()));
                }
            }
            table.row(row);
        }
        String text = String.format(Locale.ROOT, "A training step (forward and backward pass) of %,d tokens per step at each length "
                + "(batch = %,d / length), the median of %d timed steps after a warm-up step, each length in a JVM of its own. "
                + "\"step MiB\": what the steps added to the JVM's resident memory; \"peak MiB\": the JVM's peak.%n%n",
                sweep.tokensPerStep(), sweep.tokensPerStep(), sweep.steps())
                + table.toMarkdown() + "\n"
                + ReportSection.plot("Training throughput by sequence length", prefix + THROUGHPUT_PNG)
                + ReportSection.plot("Memory by sequence length", prefix + MEMORY_PNG);
        return new ReportSection("Context-length sweep", text);
    }
}
