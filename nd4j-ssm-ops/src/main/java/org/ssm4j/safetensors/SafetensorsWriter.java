package org.ssm4j.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.ssm4j.io.AtomicFiles;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a safetensors file: tensors are added in order, then {@link #write} puts them in a
 * temporary file beside the target and renames it into place, so a reader never sees a
 * half-written file.
 */
public final class SafetensorsWriter {

    private record Entry(DType dtype, long[] shape, ByteBuffer bytes) {
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Adds a metadata entry (the header's {@code __metadata__}). */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds an F32 tensor. */
    public SafetensorsWriter addF32(String name, long[] shape, float[] values) {
        ByteBuffer b = allocate(name, shape, values.length, DType.F32);
        b.asFloatBuffer().put(values);
        return put(name, DType.F32, shape, b);
    }

    /** Adds an F64 tensor. */
    public SafetensorsWriter addF64(String name, long[] shape, double[] values) {
        ByteBuffer b = allocate(name, shape, values.length, DType.F64);
        b.asDoubleBuffer().put(values);
        return put(name, DType.F64, shape, b);
    }

    /** Adds an I64 tensor. */
    public SafetensorsWriter addI64(String name, long[] shape, long[] values) {
        ByteBuffer b = allocate(name, shape, values.length, DType.I64);
        b.asLongBuffer().put(values);
        return put(name, DType.I64, shape, b);
    }

    /** Adds a BF16 tensor, rounding each float to the nearest bfloat16 (ties to even). */
    public SafetensorsWriter addBF16(String name, long[] shape, float[] values) {
        ByteBuffer b = allocate(name, shape, values.length, DType.BF16);
        for (float v : values) {
            int bits = Float.floatToRawIntBits(v);
            int rounded = Float.isNaN(v) ? (bits >>> 16) | 0x40 : (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
            b.putShort((short) rounded);
        }
        b.flip();
        return put(name, DType.BF16, shape, b);
    }

    /** Adds an F16 tensor, rounding each float to the nearest half. */
    public SafetensorsWriter addF16(String name, long[] shape, float[] values) {
        ByteBuffer b = allocate(name, shape, values.length, DType.F16);
        for (float v : values) {
            b.putShort(Float.floatToFloat16(v));
        }
        b.flip();
        return put(name, DType.F16, shape, b);
    }

    private static ByteBuffer allocate(String name, long[] shape, int length, DType dtype) {
        long elements = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has a negative dimension in shape "
                        + Arrays.toString(shape));
            }
            elements *= d;
        }
        if (elements != length) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(shape)
                    + " (" + elements + " elements) but " + length + " values were given");
        }
        return ByteBuffer.allocate(Math.multiplyExact(length, dtype.bytes())).order(ByteOrder.LITTLE_ENDIAN);
    }

    private SafetensorsWriter put(String name, DType dtype, long[] shape, ByteBuffer bytes) {
        if (name.equals("__metadata__") || entries.containsKey(name)) {
            throw new IllegalArgumentException("tensor name '" + name + "' is reserved or already added");
        }
        entries.put(name, new Entry(dtype, shape.clone(), bytes.rewind()));
        return this;
    }

    /**
     * Writes the file atomically: temporary file in the same directory, then rename
     * ({@link AtomicFiles}).
     *
     * @throws java.io.UncheckedIOException if it cannot be written; the target is then unchanged
     */
    public void write(Path target) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            Entry t = e.getValue();
            ObjectNode node = header.putObject(e.getKey());
            node.put("dtype", t.dtype().name());
            var shape = node.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            var offsets = node.putArray("data_offsets");
            offsets.add(offset);
            offset += t.bytes().remaining();
            offsets.add(offset);
        }
        byte[] headerJson = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (headerJson.length + 7) / 8 * 8;
        byte[] headerBytes = Arrays.copyOf(headerJson, padded);
        Arrays.fill(headerBytes, headerJson.length, padded, (byte) ' ');

        AtomicFiles.write(target, out -> {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(headerBytes);
            for (Entry t : entries.values()) {
                ByteBuffer b = t.bytes().duplicate();
                out.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
            }
        });
    }
}
