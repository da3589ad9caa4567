package org.ssm4j.kernels.cpu;

import org.junit.jupiter.api.Test;
import org.ssm4j.kernels.CausalConv1dSpec;
import org.ssm4j.kernels.ElementType;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The float kernel with the Vector API against the scalar fallback, on Java heap buffers. */
class CausalConv1dCpuTest {

    private static float[] random(Random random, int size) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = random.nextFloat() * 2 - 1;
        }
        return values;
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5f * Math.max(1, Math.abs(expected[i])), what + " at " + i);
        }
    }

    private static MemorySegment of(float[] values) {
        return MemorySegment.ofArray(values);
    }

    @Test
    void vectorAndScalarFloatKernelsAgree() {
        assertTrue(CausalConv1dCpu.vectorized(), "the tests run with jdk.incubator.vector");
        for (int channels : new int[]{5, 16, 67, 130}) {
            for (boolean silu : new boolean[]{false, true}) {
                CausalConv1dSpec spec = new CausalConv1dSpec(2, 9, channels, 4, silu, true, true);
                Random random = new Random(channels);
                int sequence = 2 * 9 * channels;
                int state = 2 * channels * 3;
                float[] x = random(random, sequence);
                float[] weight = random(random, channels * 4);
                float[] bias = random(random, channels);
                float[] initial = random(random, state);
                float[] dy = random(random, sequence);
                float[] dFinal = random(random, state);
                float[][] vector = run(spec, true, x, weight, bias, initial, dy, dFinal);
                float[][] scalar = run(spec, false, x, weight, bias, initial, dy, dFinal);
                String[] names = {"y", "finalState", "dx", "dWeight", "dBias", "dInitialState"};
                for (int i = 0; i < names.length; i++) {
                    assertClose(scalar[i], vector[i], names[i] + " channels " + channels + " silu " + silu);
                }
            }
        }
    }

    private static float[][] run(CausalConv1dSpec spec, boolean vectors, float[] x, float[] weight, float[] bias,
                                 float[] initial, float[] dy, float[] dFinal) {
        float[] y = new float[x.length];
        float[] finalState = new float[initial.length];
        float[] dx = new float[x.length];
        float[] dWeight = new float[weight.length];
        float[] dBias = new float[bias.length];
        float[] dInitial = new float[initial.length];
        CausalConv1dCpu.forward(spec, ElementType.FLOAT32, of(x), of(weight), of(bias), of(initial), of(y),
                of(finalState), vectors);
        CausalConv1dCpu.backward(spec, ElementType.FLOAT32, of(x), of(weight), of(bias), of(initial), of(dy),
                of(dFinal), of(dx), of(dWeight), of(dBias), of(dInitial), vectors);
        return new float[][]{y, finalState, dx, dWeight, dBias, dInitial};
    }

    @Test
    void rejectsBuffersTooSmallForTheirShape() {
        CausalConv1dSpec spec = new CausalConv1dSpec(1, 4, 3, 2, false, true, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CausalConv1dCpu.forward(spec,
                ElementType.FLOAT32, of(new float[12]), of(new float[6]), of(new float[2]), null, of(new float[12]),
                of(new float[3])));
        assertTrue(e.getMessage().contains("bias holds 2 FLOAT32 elements, expected at least 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new CausalConv1dSpec(1, 4, 3, 0, false, false, false));
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class, () -> CausalConv1dCpu.forward(
                spec, ElementType.BFLOAT16, of(new float[12]), of(new float[6]), of(new float[3]), null,
                of(new float[12]), of(new float[3])));
        assertTrue(type.getMessage().contains("FLOAT32 or FLOAT64"), type.getMessage());
    }
}
