package org.ssm4j.mamba.generate;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ssm4j.kernels.cpu.RmsNormVector;
import org.ssm4j.testing.FreshJvm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The token step's Vector API code ({@link SelectiveStateUpdate}, then {@link RmsNormVector} and a
 * {@link MatVec} product of its output) gives the same bits whatever channel ranges the threads
 * get and in every JIT tier: {@code exp}, softplus, sigmoid and the sums over lanes are
 * {@link org.ssm4j.kernels.cpu.VectorMath}'s, partial vectors run under masks.
 */
class StepReproducibilityTest {

    /** Neither a multiple of any vector length: every loop ends in a masked partial vector. */
    private static final int CHANNELS = 37;
    private static final int STATE = 19;
    /** A 4-row block of {@link MatVec} and a row on its own. */
    private static final int ROWS = 9;
    private static final int RESULTS = CHANNELS * (STATE + 4) + ROWS;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * One step over channel ranges split at {@code cuts} on inputs drawn from {@code seed} (Δ
     * and z up to ±40, past softplus' and sigmoid's saturation), returning y, the new state,
     * dt·x, silu(z), RMSNorm(y) and W · RMSNorm(y) one after the other.
     */
    static float[] step(long seed, int... cuts) {
        Random random = new Random(seed);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = random(arena, random, CHANNELS, 1);
            MemorySegment delta = random(arena, random, CHANNELS, 40);
            MemorySegment z = random(arena, random, CHANNELS, 40);
            MemorySegment y = arena.allocate((long) CHANNELS * Float.BYTES);
            MemorySegment bc = random(arena, random, 2 * STATE, 1);
            MemorySegment a = random(arena, random, CHANNELS * STATE, 4);
            for (long i = 0; i < CHANNELS * STATE; i++) {
                a.setAtIndex(FLOAT, i, -Math.abs(a.getAtIndex(FLOAT, i)));
            }
            MemorySegment d = random(arena, random, CHANNELS, 1);
            MemorySegment deltaBias = random(arena, random, CHANNELS, 1);
            MemorySegment h = random(arena, random, CHANNELS * STATE, 1);
            MemorySegment w = random(arena, random, ROWS * CHANNELS, 1);
            int from = 0;
            for (int to : Stream.concat(Arrays.stream(cuts).boxed(), Stream.of(CHANNELS)).toList()) {
                SelectiveStateUpdate.apply(STATE, x, delta, z, y, 0, bc, 0, a, d, deltaBias, h, 0, h, 0, from, to);
                from = to;
            }
            MemorySegment normed = arena.allocate((long) CHANNELS * Float.BYTES);
            RmsNormVector.forwardRow(y, 0, d, 1e-5f, normed, 0, CHANNELS);
            MemorySegment product = arena.allocate((long) ROWS * Float.BYTES);
            MatVec.multiply(w, CHANNELS, normed, 0, product, 0, 1, 0, ROWS, false);
            float[] out = new float[RESULTS];
            int at = 0;
            for (MemorySegment result : List.of(y, h, delta, z, normed, product)) {
                float[] values = result.toArray(FLOAT);
                System.arraycopy(values, 0, out, at, values.length);
                at += values.length;
            }
            return out;
        }
    }

    private static MemorySegment random(Arena arena, Random random, int n, double scale) {
        MemorySegment segment = arena.allocate((long) n * Float.BYTES);
        for (int i = 0; i < n; i++) {
            segment.setAtIndex(FLOAT, i, (float) (scale * (2 * random.nextDouble() - 1)));
        }
        return segment;
    }

    @Test
    void theChannelSplitDoesNotChangeABit() {
        float[] whole = step(1);
        assertArrayEquals(whole, step(1, 5));
        assertArrayEquals(whole, step(1, 3, 16, 17, 33));
    }

    /** Run with {@code -Xint}: arguments: the seed, the file for the step's results. */
    public static final class Interpreted {
        public static void main(String[] args) throws IOException {
            float[] values = step(Long.parseLong(args[0]));
            ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(values);
            Files.write(Path.of(args[1]), bytes.array());
        }
    }

    /**
     * A child JVM computes the step's kernels interpreted ({@code -Xint}: the Vector API's Java fallbacks,
     * lane by lane); this JVM computes it again while the JIT compiles it (C1, then C2 after
     * some thousands of calls), comparing every result bit for bit (about 10 s: slow).
     */
    @Test
    @Tag("slow")
    void everyTierGivesTheSameBits(@TempDir Path directory) {
        Path results = directory.resolve("interpreted.bin");
        List<String> flags = Stream.concat(FreshJvm.currentFlags().stream(), Stream.of("-Xint")).toList();
        FreshJvm.run(flags, Interpreted.class, directory.resolve("child.log"), "7", results.toString());
        float[] interpreted = new float[RESULTS];
        try {
            ByteBuffer.wrap(Files.readAllBytes(results)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(interpreted);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int run = 0; run < 20_000; run++) {
            float[] compiled = step(7);
            if (run % 1000 == 0 || run == 19_999) {
                assertArrayEquals(interpreted, compiled, "run " + run);
            }
        }
    }
}
