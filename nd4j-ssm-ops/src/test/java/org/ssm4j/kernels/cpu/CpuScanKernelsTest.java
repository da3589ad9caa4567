package org.ssm4j.kernels.cpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ssm4j.kernels.ElementType;
import org.ssm4j.kernels.ScanBackward;
import org.ssm4j.kernels.ScanForward;
import org.ssm4j.kernels.ScanRunner;
import org.ssm4j.kernels.ScanSpec;
import org.ssm4j.testing.FreshJvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Kernel choice, the incubator-module fallback, and the kernels' checks of their buffers. */
class CpuScanKernelsTest {

    private static final ScanSpec SPEC = new ScanSpec(2, 5, 6, 4, 2, true, true, false, false, false, 4);

    @Test
    void floatUsesTheVectorKernelWhenTheModuleIsPresent() {
        assertTrue(CpuScanKernels.vectorApiAvailable(), "the build runs tests with --add-modules=jdk.incubator.vector");
        assertEquals("cpu-vector", CpuScanKernels.forType(ElementType.FLOAT32).name());
        assertEquals("cpu-scalar", CpuScanKernels.forType(ElementType.FLOAT64).name());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CpuScanKernels.forType(ElementType.BFLOAT16));
        assertTrue(e.getMessage().contains("BFLOAT16"), e.getMessage());
    }

    /** Without the incubator module (a fresh JVM started without it), FLOAT falls back to the scalar kernel. */
    @Test
    void floatFallsBackToScalarWithoutTheModule(@TempDir Path directory) {
        List<String> flags = FreshJvm.currentFlags().stream()
                .filter(flag -> !flag.contains("jdk.incubator.vector"))
                .toList();
        String output = FreshJvm.run(flags, KernelChoice.class, directory.resolve("child.log"));
        assertTrue(output.contains("FLOAT32 kernel: cpu-scalar"), output);
        assertTrue(output.contains("jdk.incubator.vector is absent"), "the fallback is logged:\n" + output);
    }

    /** Run in a JVM without the incubator module by the test above. */
    public static final class KernelChoice {
        public static void main(String[] args) {
            System.out.println("FLOAT32 kernel: " + CpuScanKernels.forType(ElementType.FLOAT32).name());
        }
    }

    @Test
    void kernelsRejectTypesTheyDoNotHandle() {
        try (Arena arena = Arena.ofConfined()) {
            ScanRunner.Buffers f64 = new ScanRunner.Buffers(arena, ElementType.FLOAT64);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new VectorScanKernel().forward(SPEC, forward(f64)));
            assertTrue(e.getMessage().contains("FLOAT32") && e.getMessage().contains("FLOAT64"), e.getMessage());
        }
    }

    @Test
    void buffersMustMatchTheSpec() {
        try (Arena arena = Arena.ofConfined()) {
            ScanRunner.Buffers f32 = new ScanRunner.Buffers(arena, ElementType.FLOAT32);
            ScanForward ok = forward(f32);
            ScanForward shortY = new ScanForward(ok.type(), ok.u(), ok.delta(), ok.a(), ok.b(), ok.c(), ok.d(), ok.z(),
                    ok.deltaBias(), ok.initialState(), f32.poisoned(59), ok.lastState(), ok.checkpoints());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new ScalarScanKernel().forward(SPEC, shortY));
            assertTrue(e.getMessage().contains("ScanForward.y holds 236 bytes; expected at least 240 (60 FLOAT32"),
                    e.getMessage());
            ScanForward extraZ = new ScanForward(ok.type(), ok.u(), ok.delta(), ok.a(), ok.b(), ok.c(), ok.d(), ok.u(),
                    ok.deltaBias(), ok.initialState(), ok.y(), ok.lastState(), ok.checkpoints());
            e = assertThrows(IllegalArgumentException.class, () -> new VectorScanKernel().forward(SPEC, extraZ));
            assertTrue(e.getMessage().contains("ScanForward.z is given but the spec says it is absent"), e.getMessage());
            ScanForward noD = new ScanForward(ok.type(), ok.u(), ok.delta(), ok.a(), ok.b(), ok.c(), null, null,
                    null, null, ok.y(), ok.lastState(), ok.checkpoints());
            e = assertThrows(IllegalArgumentException.class, () -> new VectorScanKernel().forward(SPEC, noD));
            assertTrue(e.getMessage().contains("ScanForward.d is null but the spec requires it"), e.getMessage());
            MemorySegment n = f32.poisoned(60);
            ScanBackward noCheckpoints = new ScanBackward(ok.type(), ok.u(), ok.delta(), ok.a(), ok.b(), ok.c(), ok.d(),
                    null, null, null, f32.poisoned(10), n, null, n, n, f32.poisoned(24), f32.poisoned(80), f32.poisoned(80),
                    f32.poisoned(6), null, null, null);
            e = assertThrows(IllegalArgumentException.class, () -> new VectorScanKernel().backward(SPEC, noCheckpoints));
            assertTrue(e.getMessage().contains("ScanBackward.checkpoints holds 40 bytes; expected at least 384"),
                    e.getMessage());
        }
    }

    /** Buffers for {@link #SPEC} (D present; z, delta_bias and the initial state absent). */
    private static ScanForward forward(ScanRunner.Buffers buffers) {
        return new ScanForward(buffers.type(), buffers.poisoned(60), buffers.poisoned(60), buffers.poisoned(24),
                buffers.poisoned(80), buffers.poisoned(80), buffers.poisoned(6), null, null, null,
                buffers.poisoned(60), buffers.poisoned(48), buffers.poisoned(96));
    }
}
