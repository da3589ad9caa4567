package org.ssm4j.mamba.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.ssm4j.safetensors.SafetensorsFile;
import org.ssm4j.safetensors.TensorInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tensors of a Hugging Face checkpoint directory: one {@code model.safetensors}, or the
 * shards a {@code model.safetensors.index.json} names. Every tensor name maps to the file
 * that holds it; close this to unmap the files.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {

    /** The file of an unsharded checkpoint. */
    public static final String SINGLE_FILE = "model.safetensors";
    /** The index of a sharded checkpoint. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> byTensor;

    private SafetensorsCheckpoint(List<SafetensorsFile> files, Map<String, SafetensorsFile> byTensor) {
        this.files = files;
        this.byTensor = byTensor;
    }

    /**
     * Opens the checkpoint in a directory: {@value #SINGLE_FILE} if present, else the shards of
     * {@value #INDEX_FILE}.
     *
     * @throws IllegalArgumentException if neither exists, the index is malformed, names a
     *                                  shard that is missing or a tensor its shard lacks, or a
     *                                  shard holds a tensor the index does not assign to it
     * @throws UncheckedIOException     if a file cannot be read
     */
    public static SafetensorsCheckpoint open(Path dir) {
        Path single = dir.resolve(SINGLE_FILE);
        Path index = dir.resolve(INDEX_FILE);
        if (Files.isRegularFile(single)) {
            SafetensorsFile f = SafetensorsFile.open(single);
            Map<String, SafetensorsFile> by = new LinkedHashMap<>();
            f.tensors().keySet().forEach(n -> by.put(n, f));
            return new SafetensorsCheckpoint(List.of(f), Collections.unmodifiableMap(by));
        }
        if (Files.isRegularFile(index)) {
            return openSharded(dir, index);
        }
        String hint = Files.exists(dir.resolve("pytorch_model.bin"))
                ? "; it holds pytorch_model.bin, a PyTorch pickle, which ssm4j does not read: convert it to safetensors"
                : "";
        throw new IllegalArgumentException("no checkpoint in " + dir + ": expected " + SINGLE_FILE + " or "
                + INDEX_FILE + hint);
    }

    private static SafetensorsCheckpoint openSharded(Path dir, Path index) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(index.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint index " + index, e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new IllegalArgumentException(index + " has no weight_map object mapping tensor names to shard files");
        }
        Map<String, SafetensorsFile> opened = new LinkedHashMap<>();
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        try {
            for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String shard = e.getValue().asText();
                if (!e.getValue().isTextual() || shard.isEmpty() || shard.contains("/") || shard.contains("\\")) {
                    throw new IllegalArgumentException(index + ": tensor '" + e.getKey() + "' maps to " + e.getValue()
                            + "; expected the file name of a shard in the same directory");
                }
                SafetensorsFile f = opened.get(shard);
                if (f == null) {
                    Path p = dir.resolve(shard);
                    if (!Files.isRegularFile(p)) {
                        throw new IllegalArgumentException(index + " names shard " + shard + " (for tensor '"
                                + e.getKey() + "'), which does not exist in " + dir);
                    }
                    f = SafetensorsFile.open(p);
                    opened.put(shard, f);
                }
                if (!f.contains(e.getKey())) {
                    throw new IllegalArgumentException(index + " puts tensor '" + e.getKey() + "' in " + shard
                            + ", which does not hold it");
                }
                byTensor.put(e.getKey(), f);
            }
            for (SafetensorsFile f : opened.values()) {
                List<String> stray = f.tensors().keySet().stream().filter(n -> byTensor.get(n) != f).toList();
                if (!stray.isEmpty()) {
                    throw new IllegalArgumentException("shard " + f.path() + " holds tensors " + stray + " that "
                            + index + " does not assign to it");
                }
            }
        } catch (RuntimeException e) {
            opened.values().forEach(SafetensorsFile::close);
            throw e;
        }
        return new SafetensorsCheckpoint(new ArrayList<>(opened.values()), Collections.unmodifiableMap(byTensor));
    }

    /** Every tensor name, in file (or index) order. */
    public List<String> names() {
        return new ArrayList<>(byTensor.keySet());
    }

    /** True if the checkpoint holds a tensor of this name. */
    public boolean contains(String name) {
        return byTensor.containsKey(name);
    }

    /** The file holding a tensor. @throws IllegalArgumentException if no file does */
    public SafetensorsFile fileOf(String name) {
        SafetensorsFile f = byTensor.get(name);
        if (f == null) {
            throw new IllegalArgumentException("tensor '" + name + "' is not in this checkpoint");
        }
        return f;
    }

    /** The header entry of a tensor. */
    public TensorInfo info(String name) {
        return fileOf(name).info(name);
    }

    /** Unmaps every file. */
    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
