package org.ssm4j.experiments.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.eval.EvalResult;
import org.ssm4j.io.AtomicFiles;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's {@code metrics.jsonl}: one JSON object per line, flushed line by line so that a
 * killed run leaves every finished line readable. Record types ({@code "type"}):
 * <ul>
 *   <li>{@code train}: step, loss, lr, grad_norm, tokens, seconds, tokens_per_second</li>
 *   <li>{@code eval}: step, length, samples, loss, accuracy, tokens_per_second (periodic
 *       evaluation at the training length)</li>
 *   <li>{@code final_eval}: the same for each length of the final evaluation, or
 *       {@code skipped} with the reason instead of the scores</li>
 * </ul>
 * Timing fields ({@code seconds}, {@code tokens_per_second}) differ between runs; all others
 * are reproducible.
 */
public final class MetricsLog implements AutoCloseable {

    /** File name in a run directory. */
    public static final String FILE_NAME = "metrics.jsonl";

    private static final ObjectMapper JSON = ConfigLoader.json();

    private final Path file;
    private final BufferedWriter writer;

    private MetricsLog(Path file, boolean append) {
        this.file = file;
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            this.writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open metrics file " + file, e);
        }
    }

    /** A new, empty log (an existing file is truncated). */
    public static MetricsLog create(Path file) {
        return new MetricsLog(file, false);
    }

    /**
     * Continues the log of a run resumed from the checkpoint of {@code step}: the file is first
     * cut back (atomically) to the {@code train} and {@code eval} records of steps up to
     * {@code step}, dropping what the interrupted run wrote after its checkpoint.
     */
    public static MetricsLog resumeAfter(Path file, int step) {
        StringBuilder kept = new StringBuilder();
        if (Files.exists(file)) {
            for (ObjectNode record : read(file)) {
                String type = record.path("type").asText();
                if ((type.equals("train") || type.equals("eval")) && record.path("step").asInt() <= step) {
                    kept.append(record).append('\n');
                }
            }
        }
        AtomicFiles.writeString(file, kept.toString());
        return new MetricsLog(file, true);
    }

    /** Appends a {@code train} record. */
    public void train(StepMetrics metrics) {
        ObjectNode node = JSON.createObjectNode().put("type", "train");
        node.setAll((ObjectNode) JSON.valueToTree(metrics));
        append(node);
    }

    /** Appends an {@code eval} (periodic) or {@code final_eval} record. */
    public void eval(String type, int step, EvalResult result) {
        ObjectNode node = JSON.createObjectNode().put("type", type).put("step", step);
        node.setAll(result.toJson());
        append(node);
    }

    private void append(ObjectNode node) {
        try {
            writer.write(node.toString());
            writer.write('\n');
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to metrics file " + file, e);
        }
    }

    /**
     * Reads every record. A last line cut short (a run killed while writing it) is ignored;
     * any other line that is not a JSON object is an error.
     */
    public static List<ObjectNode> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read metrics file " + file, e);
        }
        List<ObjectNode> records = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode node = JSON.readTree(line);
                if (!(node instanceof ObjectNode object)) {
                    throw new IllegalArgumentException(file + " line " + (i + 1) + " is not a JSON object: " + line);
                }
                records.add(object);
            } catch (JsonProcessingException e) {
                if (i == lines.size() - 1) {
                    break;
                }
                throw new IllegalArgumentException(file + " line " + (i + 1) + " is not valid JSON: " + e.getOriginalMessage(), e);
            }
        }
        return records;
    }

    @Override
    public void close() {
        try {
            writer.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close metrics file " + file, e);
        }
    }
}
