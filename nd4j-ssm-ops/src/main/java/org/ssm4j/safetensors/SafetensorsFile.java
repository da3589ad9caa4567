package org.ssm4j.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file, memory-mapped and validated on open.
 *
 * <p>The format: an 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range in the data section, then the data section. Files of any size
 * are mapped as one {@link MemorySegment}; reading a tensor copies only that tensor.
 * Close the file to unmap it; segments returned by {@link #segment} are invalid afterwards.
 */
public final class SafetensorsFile implements AutoCloseable {

    /** Largest header accepted, as the reference implementation: 100 MB. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, MemorySegment data,
                            Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /**
     * Maps and validates a safetensors file.
     *
     * @throws IllegalArgumentException if the file is not valid safetensors; the message names
     *                                  the file and the problem
     * @throws UncheckedIOException     if it cannot be read
     */
    public static SafetensorsFile open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw invalid(path, "file is " + size + " bytes, shorter than the 8-byte header length");
            }
            MemorySegment file = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long headerBytes = file.get(I64_LE, 0);
            if (headerBytes < 2 || headerBytes > MAX_HEADER_BYTES || headerBytes > size - 8) {
                throw invalid(path, "header length " + headerBytes + " is out of range; expected 2.."
                        + Math.min(MAX_HEADER_BYTES, size - 8) + " for a file of " + size + " bytes");
            }
            byte[] header = file.asSlice(8, headerBytes).toArray(ValueLayout.JAVA_BYTE);
            MemorySegment data = file.asSlice(8 + headerBytes);
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, TensorInfo> tensors = parseHeader(path, header, data.byteSize(), metadata);
            return new SafetensorsFile(path, arena, data, tensors, metadata);
        } catch (IOException e) {
            arena.close();
            throw new UncheckedIOException("cannot read safetensors file " + path, e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Map<String, TensorInfo> parseHeader(Path path, byte[] header, long dataBytes,
                                                       Map<String, String> metadata) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(new String(header, StandardCharsets.UTF_8).strip());
        } catch (JsonProcessingException e) {
            throw invalid(path, "header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw invalid(path, "header is not a JSON object");
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        List<long[]> ranges = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String name = entry.getKey();
            JsonNode node = entry.getValue();
            if (name.equals("__metadata__")) {
                node.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            TensorInfo info = parseTensor(path, name, node, dataBytes);
            tensors.put(name, info);
            ranges.add(new long[]{info.offset(), info.offset() + info.byteSize(), tensors.size() - 1});
        }
        ranges.sort(Comparator.comparingLong(r -> r[0]));
        List<String> names = new ArrayList<>(tensors.keySet());
        long[] furthest = null;
        for (long[] cur : ranges) {
            if (cur[1] == cur[0]) {
                continue;
            }
            if (furthest != null && cur[0] < furthest[1]) {
                throw invalid(path, "tensors '" + names.get((int) furthest[2]) + "' and '" + names.get((int) cur[2])
                        + "' overlap: bytes [" + furthest[0] + ", " + furthest[1] + ") and [" + cur[0] + ", " + cur[1] + ")");
            }
            if (furthest == null || cur[1] > furthest[1]) {
                furthest = cur;
            }
        }
        return Collections.unmodifiableMap(tensors);
    }

    private static TensorInfo parseTensor(Path path, String name, JsonNode node, long dataBytes) {
        if (!node.isObject() || !node.path("dtype").isTextual() || !node.path("shape").isArray()
                || !node.path("data_offsets").isArray() || node.path("data_offsets").size() != 2) {
            throw invalid(path, "tensor '" + name + "' needs dtype (string), shape (array) and "
                    + "data_offsets ([begin, end]); got " + node);
        }
        DType dtype;
        try {
            dtype = DType.fromHeader(node.get("dtype").asText(), name);
        } catch (IllegalArgumentException e) {
            throw invalid(path, e.getMessage());
        }
        JsonNode shapeNode = node.get("shape");
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || d.asLong() < 0) {
                throw invalid(path, "tensor '" + name + "' has an invalid dimension " + d + " in shape " + shapeNode);
            }
            shape[i] = d.asLong();
        }
        JsonNode begin = node.get("data_offsets").get(0);
        JsonNode end = node.get("data_offsets").get(1);
        if (!begin.canConvertToLong() || !end.canConvertToLong()) {
            throw invalid(path, "tensor '" + name + "' has non-integer data_offsets " + node.get("data_offsets"));
        }
        long b = begin.asLong();
        long e = end.asLong();
        if (b < 0 || e < b || e > dataBytes) {
            throw invalid(path, "tensor '" + name + "' has data_offsets [" + b + ", " + e
                    + "] outside the data section of " + dataBytes + " bytes");
        }
        TensorInfo info;
        try {
            info = new TensorInfo(name, dtype, shape, b);
            info.byteSize();
        } catch (ArithmeticException overflow) {
            throw invalid(path, "tensor '" + name + "' has a shape too large to address: " + shapeNode);
        }
        if (info.byteSize() != e - b) {
            throw invalid(path, "tensor '" + name + "' (" + dtype + shapeNode + ") needs " + info.byteSize()
                    + " bytes but its data_offsets [" + b + ", " + e + "] span " + (e - b));
        }
        return info;
    }

    private static IllegalArgumentException invalid(Path path, String problem) {
        return new IllegalArgumentException("invalid safetensors file " + path + ": " + problem);
    }

    /** The file this was read from. */
    public Path path() {
        return path;
    }

    /** Every tensor in header order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The header's {@code __metadata__} entries (empty when there are none). */
    public Map<String, String> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    /** True if the file holds a tensor of this name. */
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /**
     * The header entry of a tensor.
     *
     * @throws IllegalArgumentException naming the tensor and the file if it is absent
     */
    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new IllegalArgumentException("tensor '" + name + "' is missing from " + path
                    + " (it holds " + tensors.size() + " tensors)");
        }
        return info;
    }

    /** The raw little-endian bytes of a tensor, valid until this file is closed. */
    public MemorySegment segment(String name) {
        TensorInfo info = info(name);
        return data.asSlice(info.offset(), info.byteSize());
    }

    /** A floating-point tensor's values as floats (F64 is rounded, F16 and BF16 widened). */
    public float[] readFloats(String name) {
        TensorInfo info = info(name);
        MemorySegment s = segment(name);
        float[] out = new float[checkedLength(info)];
        switch (info.dtype()) {
            case F32 -> MemorySegment.copy(s, F32_LE, 0, out, 0, out.length);
            case F64 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) s.getAtIndex(F64_LE, i);
                }
            }
            case F16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = Float.float16ToFloat(s.getAtIndex(I16_LE, i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = Float.intBitsToFloat((s.getAtIndex(I16_LE, i) & 0xffff) << 16);
                }
            }
            default -> throw notFloat(info);
        }
        return out;
    }

    /** A floating-point tensor's values as doubles (exact for every floating-point dtype). */
    public double[] readDoubles(String name) {
        TensorInfo info = info(name);
        if (info.dtype() == DType.F64) {
            double[] out = new double[checkedLength(info)];
            MemorySegment.copy(segment(name), F64_LE, 0, out, 0, out.length);
            return out;
        }
        if (!info.dtype().isFloatingPoint()) {
            throw notFloat(info);
        }
        float[] f = readFloats(name);
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = f[i];
        }
        return out;
    }

    /** An integer tensor's values (I64, I32, I16, I8, U8, BOOL) as longs. */
    public long[] readLongs(String name) {
        TensorInfo info = info(name);
        MemorySegment s = segment(name);
        long[] out = new long[checkedLength(info)];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (info.dtype()) {
                case I64 -> s.getAtIndex(I64_LE, i);
                case I32 -> s.getAtIndex(I32_LE, i);
                case I16 -> s.getAtIndex(I16_LE, i);
                case I8, BOOL -> s.get(ValueLayout.JAVA_BYTE, i);
                case U8 -> s.get(ValueLayout.JAVA_BYTE, i) & 0xff;
                default -> throw new IllegalArgumentException("tensor '" + name + "' in " + path + " is "
                        + info.dtype() + "; expected an integer dtype");
            };
        }
        return out;
    }

    private int checkedLength(TensorInfo info) {
        long n = info.elements();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor '" + info.name() + "' in " + path + " has " + n
                    + " elements, more than a Java array holds; use segment() instead");
        }
        return (int) n;
    }

    private IllegalArgumentException notFloat(TensorInfo info) {
        return new IllegalArgumentException("tensor '" + info.name() + "' in " + path + " is " + info.dtype()
                + "; expected a floating-point dtype (F64, F32, F16, BF16)");
    }

    /** Unmaps the file. */
    @Override
    public void close() {
        arena.close();
    }
}
