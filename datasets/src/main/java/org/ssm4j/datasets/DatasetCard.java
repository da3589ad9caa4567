package org.ssm4j.datasets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.arrow.vector.types.pojo.Schema;
import org.ssm4j.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The small JSON description written beside every converted dataset ({@value #FILE_NAME}): what
 * it holds, where it came from (inputs with their SHA-256), how it was made, and one entry per
 * Arrow file (split) with its row count, its own SHA-256 and summary counts.
 *
 * @param name the dataset's name, usually the input directory's or file's name
 * @param kind {@code "tokens"}, {@code "images"} or {@code "audio"}
 * @param description one sentence on the content and the layout
 * @param license the source data's license, or {@value Provenance#UNKNOWN_LICENSE}
 * @param command the command that created the dataset
 * @param created when it was created (ISO-8601 instant)
 * @param schema the Arrow schema shared by all split files, one field per line as Arrow prints it
 * @param properties format details such as the tokenizer, vocabulary size or sample rate
 * @param inputs every input file read, with its size and SHA-256
 * @param splits every Arrow file written
 */
public record DatasetCard(
        String name,
        String kind,
        String description,
        String license,
        String command,
        String created,
        List<String> schema,
        Map<String, String> properties,
        List<InputFile> inputs,
        List<SplitFile> splits) {

    /** The card's file name inside a dataset directory. */
    public static final String FILE_NAME = "dataset-card.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public DatasetCard {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(license, "license");
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(created, "created");
        schema = List.copyOf(schema);
        properties = Collections.unmodifiableMap(new LinkedHashMap<>(properties));
        inputs = List.copyOf(inputs);
        splits = List.copyOf(splits);
    }

    /**
     * An input file of a conversion.
     *
     * @param path its absolute path when converted
     * @param bytes its size
     * @param sha256 the SHA-256 of its bytes, lower-case hex
     */
    public record InputFile(String path, long bytes, String sha256) {

        /**
         * Describes a file whose content is already in memory.
         *
         * @param file the file
         * @param content its bytes
         * @return the description
         */
        public static InputFile of(Path file, byte[] content) {
            return new InputFile(file.toAbsolutePath().toString(), content.length, FileDigests.sha256(content));
        }

        /**
         * Describes a file by reading it.
         *
         * @param file the file
         * @return the description
         */
        public static InputFile of(Path file) {
            try {
                return new InputFile(file.toAbsolutePath().toString(), Files.size(file), FileDigests.sha256(file));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
    }

    /**
     * One Arrow IPC file of the dataset.
     *
     * @param split the split's name, e.g. {@code "train"}
     * @param file the file name, relative to the card
     * @param rows its row count
     * @param sha256 the SHA-256 of the Arrow file, lower-case hex
     * @param counts summary counts (tokens, images per label, samples...) in a stable order
     */
    public record SplitFile(String split, String file, long rows, String sha256, Map<String, Long> counts) {
        public SplitFile {
            counts = Collections.unmodifiableMap(new LinkedHashMap<>(counts));
        }
    }

    /**
     * The card of a dataset a converter has just written: named after {@code outputDir},
     * created now, with the license and command of {@code provenance} and the fields of
     * {@code schema}.
     *
     * @param outputDir   the dataset's directory
     * @param kind        {@code "tokens"}, {@code "images"} or {@code "audio"}
     * @param description one sentence on the content and the layout
     * @param properties  format details
     * @param inputs      every input file read
     * @param splits      every Arrow file written
     */
    public static DatasetCard of(Path outputDir, String kind, String description, Provenance provenance, Schema schema,
                                 Map<String, String> properties, List<InputFile> inputs, List<SplitFile> splits) {
        return new DatasetCard(outputDir.toAbsolutePath().getFileName().toString(), kind, description,
                provenance.license(), provenance.command(), now(),
                schema.getFields().stream().map(Object::toString).toList(), properties, inputs, splits);
    }

    /** @return the current instant in ISO-8601, for {@code created} */
    public static String now() {
        return Instant.now().toString();
    }

    /** @return this card as indented JSON */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a dataset card is always serialisable", e);
        }
    }

    /**
     * Writes the card as {@value #FILE_NAME} into a dataset directory (through a temporary file).
     *
     * @param directory the dataset directory
     * @return the card's path
     */
    public Path writeTo(Path directory) {
        Path file = directory.resolve(FILE_NAME);
        AtomicFiles.writeString(file, toJson() + "\n");
        return file;
    }

    /**
     * Reads the card of a dataset directory.
     *
     * @param directory the dataset directory
     * @return its card
     */
    public static DatasetCard readFrom(Path directory) {
        Path file = directory.resolve(FILE_NAME);
        try {
            return JSON.readValue(file.toFile(), DatasetCard.class);
        } catch (JsonProcessingException e) {
            throw new DatasetFormatException(file, "not a valid dataset card: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
