package org.ssm4j.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ssm4j.testing.SharedData;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsFileTest {

    @TempDir
    Path dir;

    @Test
    void readsTheScanFixture() {
        try (SafetensorsFile f = SafetensorsFile.open(SharedData.fixture("scan_plain.safetensors"))) {
            TensorInfo u = f.info("u");
            assertEquals(DType.F64, u.dtype());
            assertEquals(3, u.shape().length);
            double[] values = f.readDoubles("u");
            assertEquals(u.elements(), values.length);
            float[] asFloat = f.readFloats("u");
            for (int i = 0; i < values.length; i++) {
                assertEquals((float) values[i], asFloat[i]);
            }
        }
    }

    @Test
    void roundTripsEveryWrittenDtype() throws IOException {
        float[] v = {1.5f, -2.25f, 3.0e-3f, 65504f, -0f, 7f};
        Path file = dir.resolve("t.safetensors");
        new SafetensorsWriter()
                .metadata("format", "pt")
                .addF32("f32", new long[]{2, 3}, v)
                .addBF16("bf16", new long[]{6}, v)
                .addF16("f16", new long[]{3, 2}, v)
                .addF64("f64", new long[]{1}, new double[]{Math.PI})
                .addI64("ids", new long[]{2}, new long[]{-1, 1L << 40})
                .write(file);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals("pt", f.metadata().get("format"));
            assertArrayEquals(v, f.readFloats("f32"));
            float[] bf = f.readFloats("bf16");
            float[] half = f.readFloats("f16");
            for (int i = 0; i < v.length; i++) {
                assertEquals(v[i], bf[i], Math.abs(v[i]) / 128, "bf16 element " + i);
                assertEquals(v[i], half[i], Math.abs(v[i]) / 1024, "f16 element " + i);
            }
            assertEquals(Math.PI, f.readDoubles("f64")[0]);
            assertArrayEquals(new long[]{-1, 1L << 40}, f.readLongs("ids"));
            assertArrayEquals(new long[]{3, 2}, f.info("f16").shape());
        }
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
    }

    @Test
    void namesAMissingTensor() {
        Path file = dir.resolve("t.safetensors");
        new SafetensorsWriter().addF32("a", new long[]{1}, new float[]{1}).write(file);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            var e = assertThrows(IllegalArgumentException.class, () -> f.readFloats("b"));
            assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains(file.toString()), e.getMessage());
            var notInt = assertThrows(IllegalArgumentException.class, () -> f.readLongs("a"));
            assertTrue(notInt.getMessage().contains("F32"), notInt.getMessage());
        }
    }

    @Test
    void rejectsMalformedFiles() throws IOException {
        assertInvalid(new byte[3], "shorter than the 8-byte header length");
        assertInvalid(withHeader("{}", 0, Long.MAX_VALUE), "header length");
        assertInvalid(withHeader("{not json", 0, -1), "not valid JSON");
        assertInvalid(withHeader("[1,2]", 0, -1), "not a JSON object");
        assertInvalid(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, -1),
                "outside the data section");
        assertInvalid(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, -1),
                "needs 12 bytes");
        assertInvalid(withHeader("{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, -1),
                "unsupported dtype 'Q4'");
        assertInvalid(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, -1), "overlap");
        assertInvalid(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, -1),
                "invalid dimension");
    }

    private void assertInvalid(byte[] content, String expected) throws IOException {
        Path file = Files.write(dir.resolve("bad.safetensors"), content);
        var e = assertThrows(IllegalArgumentException.class, () -> SafetensorsFile.open(file).close());
        assertTrue(e.getMessage().contains(expected) && e.getMessage().contains(file.toString()),
                "message '" + e.getMessage() + "' should contain '" + expected + "'");
    }

    private static byte[] withHeader(String json, int dataBytes, long declaredLength) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength >= 0 ? declaredLength : h.length).put(h);
        return b.array();
    }
}
