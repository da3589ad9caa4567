package org.ssm4j.mamba;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jspecify.annotations.Nullable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.ssm4j.io.AtomicFiles;
import org.ssm4j.mamba.graph.MambaGraph;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * ssm4j's model file: one zip archive holding a Mamba LM's SameDiff graph with its weights
 * (and, when asked, the optimiser state of SameDiff's own training), and its config.
 *
 * <p>Entries:
 * <ul>
 *   <li>{@value #MANIFEST}: {@code {"format": "ssm4j-mamba-lm", "version": 1,
 *       "dataType": "FLOAT", "updaterState": false}}</li>
 *   <li>{@value #CONFIG}: the Hugging Face {@code config.json} ({@link MambaConfig#toJson})</li>
 *   <li>{@value #GRAPH}: the graph as {@code SameDiff.save} writes it (FlatBuffers), loadable
 *       on its own with {@code SameDiff.load} when ssm4j's ops are on the class path</li>
 * </ul>
 *
 * <p>The archive is written to a temporary file and renamed into place. FlatBuffers limits
 * a graph to 2 GB, so a model file holds at most about 500 M float parameters.
 */
public final class MambaModelFile {

    /** The manifest entry. */
    public static final String MANIFEST = "ssm4j-model.json";
    /** The config entry. */
    public static final String CONFIG = "config.json";
    /** The graph entry. */
    public static final String GRAPH = "graph.sdz";
    /** The manifest's format name. */
    public static final String FORMAT = "ssm4j-mamba-lm";
    /** The format version this class writes and reads. */
    public static final int VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper();

    private MambaModelFile() {
    }

    /** True if {@code path} is a regular file that starts like a zip archive. */
    public static boolean isModelFile(Path path) {
        if (!Files.isRegularFile(path)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(path)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    /**
     * Writes a graph and its config atomically.
     *
     * @param withUpdaterState also save the state of the updater SameDiff's {@code fit} uses
     *                         (only meaningful after training with a {@code TrainingConfig})
     * @throws UncheckedIOException if the file cannot be written; it is then unchanged
     */
    public static void save(MambaGraph graph, Path file, boolean withUpdaterState) {
        boolean updater = withUpdaterState && graph.sameDiff().getUpdaterMap() != null
                && !graph.sameDiff().getUpdaterMap().isEmpty();
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("format", FORMAT);
        manifest.put("version", VERSION);
        manifest.put("dataType", graph.dataType().name());
        manifest.put("updaterState", updater);
        Path graphFile = tempFile(file);
        try {
            graph.sameDiff().save(graphFile.toFile(), updater);
            AtomicFiles.write(file, out -> {
                try (ZipOutputStream zip = new ZipOutputStream(out, StandardCharsets.UTF_8)) {
                    zip.setLevel(1);
                    entry(zip, MANIFEST, manifest.toPrettyString().getBytes(StandardCharsets.UTF_8));
                    entry(zip, CONFIG, graph.config().toJsonString(null).getBytes(StandardCharsets.UTF_8));
                    zip.putNextEntry(new ZipEntry(GRAPH));
                    Files.copy(graphFile, zip);
                    zip.closeEntry();
                }
            });
        } finally {
            AtomicFiles.deleteQuietly(graphFile);
        }
    }

    private static void entry(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(bytes);
        zip.closeEntry();
    }

    /**
     * What a model file's manifest and config say.
     *
     * @param config       the model's config
     * @param dataType     the ND4J type of its weights ({@code "FLOAT"} or {@code "DOUBLE"})
     * @param updaterState whether it carries SameDiff updater state
     */
    public record Header(MambaConfig config, String dataType, boolean updaterState) {
    }

    /**
     * Reads a model file's manifest and config, not its graph.
     *
     * @throws IllegalArgumentException as {@link #load}
     */
    public static Header readHeader(Path file) {
        return read(file, null);
    }

    /**
     * Reads a model file.
     *
     * @param withUpdaterState also load the saved updater state (to continue SameDiff training)
     * @throws IllegalArgumentException if the file is not an ssm4j model file, is of another
     *                                  version, lacks an entry, or its graph does not fit its config
     * @throws UncheckedIOException     if it cannot be read
     */
    public static MambaGraph load(Path file, boolean withUpdaterState) {
        Path graphFile = tempFile(file);
        try {
            Header header = read(file, graphFile);
            SameDiff sd = SameDiff.load(graphFile.toFile(), withUpdaterState && header.updaterState());
            return MambaGraph.wrap(sd, header.config());
        } finally {
            AtomicFiles.deleteQuietly(graphFile);
        }
    }

    /** Reads the manifest and config, and copies the graph entry to {@code graphFile} unless it is null. */
    private static Header read(Path file, @Nullable Path graphFile) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("model file " + file + " does not exist or is not a regular file");
        }
        Map<String, byte[]> small = new HashMap<>();
        boolean hasGraph = false;
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file), StandardCharsets.UTF_8)) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                if (e.getName().equals(GRAPH)) {
                    hasGraph = true;
                    if (graphFile != null) {
                        Files.copy(zip, graphFile, StandardCopyOption.REPLACE_EXISTING);
                    }
                } else if (e.getName().equals(MANIFEST) || e.getName().equals(CONFIG)) {
                    small.put(e.getName(), zip.readAllBytes());
                }
            }
        } catch (ZipException e) {
            throw new IllegalArgumentException(file + " is not a valid zip archive (ssm4j model file): " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model file " + file, e);
        }
        if (!small.containsKey(MANIFEST)) {
            throw new IllegalArgumentException(file + " is not an ssm4j model file: it has no " + MANIFEST);
        }
        JsonNode manifest;
        try {
            manifest = JSON.readTree(small.get(MANIFEST));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": " + MANIFEST + " is not valid JSON: " + e.getMessage(), e);
        }
        if (!FORMAT.equals(manifest.path("format").asText()) || manifest.path("version").asInt() != VERSION) {
            throw new IllegalArgumentException(file + " has format " + manifest.path("format") + " version "
                    + manifest.path("version") + "; expected \"" + FORMAT + "\" version " + VERSION);
        }
        if (!small.containsKey(CONFIG) || !hasGraph) {
            throw new IllegalArgumentException("model file " + file + " lacks its " + (hasGraph ? CONFIG : GRAPH)
                    + " entry");
        }
        MambaConfig config;
        try {
            config = MambaConfig.fromJson(new String(small.get(CONFIG), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        return new Header(config, manifest.path("dataType").asText(), manifest.path("updaterState").asBoolean());
    }

    /** The error for a path that is neither a Hugging Face checkpoint directory nor a model file. */
    static IllegalArgumentException notAModel(Path path) {
        return new IllegalArgumentException("model path " + path + " is neither a Hugging Face checkpoint directory "
                + "(config.json + model.safetensors) nor an ssm4j model file (zip)"
                + (Files.exists(path) ? "" : ": it does not exist"));
    }

    private static Path tempFile(Path beside) {
        try {
            return Files.createTempFile("ssm4j-graph-", ".sdz");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary file for " + beside, e);
        }
    }
}
