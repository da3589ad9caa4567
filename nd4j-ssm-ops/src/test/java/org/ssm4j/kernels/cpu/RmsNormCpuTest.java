package org.ssm4j.kernels.cpu;

import org.junit.jupiter.api.Test;
import org.ssm4j.kernels.ElementType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The RMSNorm kernels: the Vector API path against the double path, and buffer checks. */
class RmsNormCpuTest {

    private static final int ROWS = 3 * RmsNormCpu.ROW_BLOCK + 5;
    private static final int WIDTH = 45;

    @Test
    void vectorAndDoublePathsAgree() {
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom random = new SplittableRandom(3);
            MemorySegment x = floats(arena, random, ROWS * WIDTH);
            MemorySegment weight = floats(arena, random, WIDTH);
            MemorySegment dy = floats(arena, random, ROWS * WIDTH);
            MemorySegment[] vector = run(arena, x, weight, dy, true);
            MemorySegment[] scalar = run(arena, x, weight, dy, false);
            for (int i = 0; i < 3; i++) {
                double err = maxRelative(vector[i], scalar[i]);
                assertTrue(err < 2e-5, "output " + i + ": largest relative difference " + err);
            }
            // The forward pass is the token step's RMSNorm: bit for bit the same row function.
            MemorySegment row = arena.allocate((long) WIDTH * Float.BYTES);
            RmsNormVector.forwardRow(x, (long) 7 * WIDTH, weight, 1e-5f, row, 0, WIDTH);
            assertEquals(0, maxRelative(row, vector[0].asSlice((long) 7 * WIDTH * Float.BYTES, row.byteSize())));
        }
    }

    private static MemorySegment[] run(Arena arena, MemorySegment x, MemorySegment weight, MemorySegment dy,
                                       boolean vectors) {
        MemorySegment y = arena.allocate(x.byteSize());
        MemorySegment dx = arena.allocate(x.byteSize());
        MemorySegment dWeight = arena.allocate(weight.byteSize());
        RmsNormCpu.forward(ElementType.FLOAT32, x, weight, 1e-5, y, ROWS, WIDTH, vectors);
        RmsNormCpu.backward(ElementType.FLOAT32, x, weight, dy, 1e-5, dx, dWeight, ROWS, WIDTH, vectors);
        return new MemorySegment[]{y, dx, dWeight};
    }

    @Test
    void rejectsShortBuffersAndOtherTypes() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = arena.allocate(4L * 6 * Float.BYTES);
            MemorySegment weight = arena.allocate(6L * Float.BYTES);
            var e = assertThrows(IllegalArgumentException.class, () -> RmsNormCpu.forward(ElementType.FLOAT32, x,
                    weight, 1e-5, arena.allocate(23L * Float.BYTES), 4, 6));
            assertTrue(e.getMessage().contains("y holds 23 FLOAT32 elements, expected at least 24"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> RmsNormCpu.forward(ElementType.BFLOAT16, x,
                    weight, 1e-5, x, 4, 6));
            assertTrue(e.getMessage().contains("FLOAT32 or FLOAT64 buffers, got BFLOAT16"), e.getMessage());
        }
    }

    private static MemorySegment floats(Arena arena, SplittableRandom random, int n) {
        MemorySegment s = arena.allocate((long) n * Float.BYTES);
        for (int i = 0; i < n; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (random.nextDouble() * 4 - 2));
        }
        return s;
    }

    private static double maxRelative(MemorySegment a, MemorySegment b) {
        double worst = 0;
        double scale = 0;
        long n = a.byteSize() / Float.BYTES;
        for (long i = 0; i < n; i++) {
            scale = Math.max(scale, Math.abs(b.getAtIndex(ValueLayout.JAVA_FLOAT, i)));
        }
        for (long i = 0; i < n; i++) {
            worst = Math.max(worst, Math.abs(a.getAtIndex(ValueLayout.JAVA_FLOAT, i)
                    - b.getAtIndex(ValueLayout.JAVA_FLOAT, i)) / scale);
        }
        return worst;
    }
}
