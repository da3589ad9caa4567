package org.ssm4j.kernels.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.ssm4j.kernels.ElementType;
import org.ssm4j.kernels.ScanBackward;
import org.ssm4j.kernels.ScanForward;
import org.ssm4j.kernels.ScanSpec;
import org.ssm4j.kernels.SelectiveScanKernel;
import org.ssm4j.kernels.cpu.CpuScanKernels;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs the CUDA scan through the launcher on a GPU and checks y, the last state, the
 * checkpoints and every gradient against a float64 reference and against the CPU kernel, on
 * fresh random inputs each run, with every output poisoned (NaN) before the call. Tagged {@code gpu}: excluded by default
 * ({@code -Dgroups=gpu} runs it) and skipped, with the reason, where no CUDA driver or device
 * is present.
 */
@Tag("gpu")
class CudaSelectiveScanGpuTest {

    private CudaSelectiveScan scan;

    @BeforeEach
    void open() {
        CudaAvailability availability = CudaSelectiveScan.availability();
        assumeTrue(availability.available(), "CUDA selective scan not testable here: " + availability.reason());
        scan = CudaSelectiveScan.open(0);
    }

    @Test
    void float32WithInitialStateAndThePreferredInterval() {
        check(new ScanSpec(2, 300, 64, 16, 1, true, true, true, true, true, CudaSelectiveScan.PREFERRED_CHECKPOINT_INTERVAL),
                ElementType.FLOAT32, true);
    }

    @Test
    void float32LongSequenceInChunksWithGroupsAndLongInterval() {
        check(new ScanSpec(1, 4096, 64, 16, 2, true, true, true, true, false, 128), ElementType.FLOAT32, true);
    }

    @Test
    void bfloat16() {
        check(new ScanSpec(2, 300, 64, 16, 1, true, true, true, true, false, 16), ElementType.BFLOAT16, false);
    }

    @Test
    void float32OddChannelsWideStateNoGateNoSoftplus() {
        check(new ScanSpec(2, 77, 100, 24, 1, false, true, false, false, true, 37), ElementType.FLOAT32, true);
    }

    @Test
    void float32MatchesTheCpuKernelAndTakesItsCheckpoints() {
        matchesTheCpuKernel(new ScanSpec(2, 333, 48, 16, 1, true, true, true, true, true, 128));
    }

    @Test
    void float32ChannelPerThreadForwardMatchesTheCpuKernel() {
        ScanSpec spec = new ScanSpec(1, 2048, 2048, 16, 1, true, true, true, true, true, 128);
        int resident = channelPerThreadResidentBlocks(ElementType.FLOAT32);
        assertEquals(LaunchPolicy.CHANNEL_PER_THREAD, LaunchPolicy.forwardShape(spec, ElementType.FLOAT32, true, resident));
        Chunking chunks = LaunchPolicy.forwardChunks(spec, ElementType.FLOAT32, LaunchPolicy.CHANNEL_PER_THREAD, resident);
        assertTrue(LaunchPolicy.keepsDelta(spec, LaunchPolicy.CHANNEL_PER_THREAD, chunks),
                () -> "the main pass reading the summary's delta' (" + chunks + ")");
        matchesTheCpuKernel(spec);
    }

    @Test
    void bfloat16ChannelPerThreadForwardWithEndChunks() {
        // long enough for end chunks on an H200 (chunk 0 of 184 steps from the initial state, 64 middle
        // chunks of 128 or 136, the last of 272)
        ScanSpec spec = new ScanSpec(1, 9000, 2048, 16, 1, true, true, true, true, true, 128);
        int resident = channelPerThreadResidentBlocks(ElementType.BFLOAT16);
        Chunking chunks = LaunchPolicy.forwardChunks(spec, ElementType.BFLOAT16, LaunchPolicy.CHANNEL_PER_THREAD, resident);
        assumeTrue(chunks.hasEndChunks(), () -> "no end chunks with " + resident + " resident blocks: " + chunks);
        assertTrue(LaunchPolicy.keepsDelta(spec, LaunchPolicy.CHANNEL_PER_THREAD, chunks));
        check(spec, ElementType.BFLOAT16, false);
    }

    /** The blocks of the channel-per-thread summary kernel this device holds at once (the policy's input). */
    private static int channelPerThreadResidentBlocks(ElementType type) {
        String kernel = LaunchPolicy.CHANNEL_PER_THREAD.kernel("ssm_scan_fwdsum", ScanLauncher.typeName(type));
        int resident = ScanModule.forDevice(0).scanKernel(kernel, MemorySegment.NULL).residentBlocks();
        assertTrue(resident > 0, () -> kernel + ": resident blocks " + resident);
        return resident;
    }

    private void matchesTheCpuKernel(ScanSpec spec) {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        int act = spec.batch() * spec.length() * spec.channels();
        int proj = spec.batch() * spec.length() * spec.groups() * spec.state();
        int weights = spec.channels() * spec.state();
        int states = spec.batch() * spec.channels() * spec.state();
        int ckpts = spec.batch() * spec.checkpoints() * spec.channels() * spec.state();
        double[] a = new double[weights];
        for (int i = 0; i < weights; i++) {
            a[i] = round(-Math.exp(rnd.nextDouble() * Math.log(16)), false);
        }
        SelectiveScanKernel cpu = CpuScanKernels.forType(ElementType.FLOAT32);
        try (Arena arena = Arena.ofShared()) {  // the CPU kernel reads the buffers from its worker threads
            Buffers io = new Buffers(arena, ElementType.FLOAT32, false);
            MemorySegment u = io.in(gaussian(rnd, act, 1, false));
            MemorySegment delta = io.in(gaussian(rnd, act, 0.5, false));
            MemorySegment am = io.in(a);
            MemorySegment b = io.in(gaussian(rnd, proj, 1, false));
            MemorySegment c = io.in(gaussian(rnd, proj, 1, false));
            MemorySegment d = io.in(gaussian(rnd, spec.channels(), 1, false));
            MemorySegment z = io.in(gaussian(rnd, act, 1, false));
            MemorySegment bias = io.in(uniform(rnd, spec.channels(), -6, -2, false));
            MemorySegment h0 = io.in(gaussian(rnd, states, 1, false));
            MemorySegment dy = io.in(gaussian(rnd, act, 1, false));
            MemorySegment dLast = io.in(gaussian(rnd, states, 1, false));
            ScanForward[] fwd = new ScanForward[2];
            ScanBackward[] bwd = new ScanBackward[2];
            for (int k = 0; k < 2; k++) {
                fwd[k] = new ScanForward(ElementType.FLOAT32, u, delta, am, b, c, d, z, bias, h0, io.out(act),
                        io.out(states), io.out(ckpts));
                (k == 0 ? cpu : scan).forward(spec, fwd[k]);
            }
            for (int k = 0; k < 2; k++) {  // both backward passes start from the CPU kernel's checkpoints
                bwd[k] = new ScanBackward(ElementType.FLOAT32, u, delta, am, b, c, d, z, bias, h0, fwd[0].checkpoints(),
                        dy, dLast, io.out(act), io.out(act), io.out(weights), io.out(proj), io.out(proj),
                        io.out(spec.channels()), io.out(act), io.out(spec.channels()), io.out(states));
                (k == 0 ? cpu : scan).backward(spec, bwd[k]);
            }
            List<String> failures = new ArrayList<>();
            String[] names = {"y", "lastState", "checkpoints"};
            MemorySegment[][] outs = {{fwd[0].y(), fwd[1].y()}, {fwd[0].lastState(), fwd[1].lastState()},
                {fwd[0].checkpoints(), fwd[1].checkpoints()}};
            for (int i = 0; i < names.length; i++) {
                compare(names[i], io.read(outs[i][1]), io.read(outs[i][0]), 1e-5, failures);
            }
            String[] grads = {"du", "dDelta", "dA", "dB", "dC", "dD", "dZ", "dDeltaBias", "dInitialState"};
            for (String g : grads) {
                compare(g, io.read(gradient(bwd[1], g)), io.read(gradient(bwd[0], g)), 1e-5, failures);
            }
            assertEquals(List.of(), failures, "CUDA against " + cpu.name() + ", " + spec + " seed " + seed);
        }
    }

    private static MemorySegment gradient(ScanBackward b, String name) {
        return switch (name) {
            case "du" -> b.du();
            case "dDelta" -> b.dDelta();
            case "dA" -> b.dA();
            case "dB" -> b.dB();
            case "dC" -> b.dC();
            case "dD" -> b.dD();
            case "dZ" -> b.dZ();
            case "dDeltaBias" -> b.dDeltaBias();
            case "dInitialState" -> b.dInitialState();
            default -> throw new IllegalArgumentException("no gradient named " + name);
        };
    }

    @Test
    void wrongBufferSizeIsRejectedNamingTheBuffer() {
        ScanSpec spec = new ScanSpec(1, 8, 8, 4, 1, true, false, false, false, false, 4);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment act = arena.allocate(8 * 8 * 4);
            MemorySegment small = arena.allocate(8 * 8 * 4 - 4);
            MemorySegment a = arena.allocate(8 * 4 * 4);
            MemorySegment bc = arena.allocate(8 * 4 * 4);
            MemorySegment states = arena.allocate(8 * 4 * 4);
            ScanForward f = new ScanForward(ElementType.FLOAT32, act, small, a, bc, bc, null, null, null, null,
                    act, states, null);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> scan.forward(spec, f));
            assertTrue(e.getMessage().contains("delta has 252 bytes, expected 256"), e.getMessage());
        }
    }

    @Test
    void devicePointerMissingForASpecInputIsRejected() {
        ScanSpec spec = new ScanSpec(1, 8, 8, 4, 1, true, true, false, false, false, 4);
        DeviceForward noD = new DeviceForward(0x1000, 0x2000, 0x3000, 0x4000, 0x5000, 0, 0, 0, 0, 0x6000, 0x7000, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> scan.forwardOnDevice(spec, ElementType.FLOAT32, noD, 0));
        assertTrue(e.getMessage().contains("device buffer D is required"), e.getMessage());
    }

    @Test
    void deviceBuffersGiveTheHostPathsResultsBitForBit() {
        ScanSpec spec = new ScanSpec(2, 300, 64, 16, 1, true, true, true, true, false, 16);
        long act = 2L * 300 * 64;
        long proj = 2L * 300 * 16;
        long states = 2L * 64 * 16;
        long ckpts = 2L * spec.checkpoints() * 64 * 16;
        Random rnd = new Random(3);
        List<Long> owned = new ArrayList<>();
        try (Arena arena = Arena.ofConfined(); CudaDevice device = CudaDevice.open(0)) {
            Buffers io = new Buffers(arena, ElementType.FLOAT32, false);
            MemorySegment[] in = {
                io.in(gaussian(rnd, (int) act, 1, false)), io.in(gaussian(rnd, (int) act, 0.5, false)),
                io.in(uniform(rnd, 64 * 16, -4, -0.5, false)), io.in(gaussian(rnd, (int) proj, 1, false)),
                io.in(gaussian(rnd, (int) proj, 1, false)), io.in(gaussian(rnd, 64, 1, false)),
                io.in(gaussian(rnd, (int) act, 1, false)), io.in(gaussian(rnd, 64, 0.1, false))};
            ScanForward host = new ScanForward(ElementType.FLOAT32, in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7],
                    null, io.out(act), io.out(states), io.out(ckpts));
            scan.forward(spec, host);
            long[] p = new long[in.length];
            for (int i = 0; i < in.length; i++) {
                p[i] = device.allocate(in[i].byteSize());
                owned.add(p[i]);
                device.copyToDevice(p[i], in[i]);
            }
            long y = device.allocate(4 * act);
            long last = device.allocate(4 * states);
            long ck = device.allocate(4 * ckpts);
            owned.addAll(List.of(y, last, ck));
            float ms = device.millis(() -> scan.forwardOnDevice(spec, ElementType.FLOAT32,
                    new DeviceForward(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], 0, y, last, ck), device.stream()));
            assertTrue(ms > 0, "event-timed launch: " + ms + " ms");
            MemorySegment[] expected = {host.y(), host.lastState(), host.checkpoints()};
            long[] got = {y, last, ck};
            for (int i = 0; i < got.length; i++) {
                MemorySegment back = arena.allocate(expected[i].byteSize());
                device.copyToHost(back, got[i]);
                assertEquals(-1L, back.mismatch(expected[i]), "output " + i + " differs from the host path");
            }
            float[] heap = {1.5f, -2f, 3.25f, 4f};
            device.copyToDevice(p[0], MemorySegment.ofArray(heap));
            float[] heapBack = new float[heap.length];
            device.copyToHost(MemorySegment.ofArray(heapBack), p[0]);
            assertArrayEquals(heap, heapBack, "heap segments are copied through the staging buffers");
            owned.forEach(device::free);
        }
    }

    // --------------------------------------------------------------------------------

    private void check(ScanSpec spec, ElementType type, boolean heapInputs) {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        boolean bf16 = type == ElementType.BFLOAT16;
        double tolerance = bf16 ? 1e-2 : 1e-5;
        int act = spec.batch() * spec.length() * spec.channels();
        int proj = spec.batch() * spec.length() * spec.groups() * spec.state();
        int weights = spec.channels() * spec.state();
        int states = spec.batch() * spec.channels() * spec.state();
        int ckpts = spec.batch() * spec.checkpoints() * spec.channels() * spec.state();
        double[] u = gaussian(rnd, act, 1, bf16);
        double[] delta = spec.deltaSoftplus() ? gaussian(rnd, act, 0.5, bf16) : uniform(rnd, act, 0, 0.1, bf16);
        double[] a = new double[weights];
        for (int i = 0; i < weights; i++) {
            a[i] = round(-Math.exp(rnd.nextDouble() * Math.log(16)), bf16);
        }
        double[] b = gaussian(rnd, proj, 1, bf16);
        double[] c = gaussian(rnd, proj, 1, bf16);
        double[] d = spec.hasD() ? gaussian(rnd, spec.channels(), 1, bf16) : null;
        double[] z = spec.hasZ() ? gaussian(rnd, act, 1, bf16) : null;
        double[] bias = null;
        if (spec.hasDeltaBias()) {  // softplus(delta + bias) around 0.001 .. 0.1, as Mamba initialises dt
            bias = new double[spec.channels()];
            for (int i = 0; i < bias.length; i++) {
                double dt = Math.exp(Math.log(0.001) + rnd.nextDouble() * (Math.log(0.1) - Math.log(0.001)));
                bias[i] = round(Math.log(Math.expm1(dt)), bf16);
            }
        }
        double[] h0 = spec.hasInitialState() ? gaussian(rnd, states, 1, bf16) : null;
        double[] dy = gaussian(rnd, act, 1, bf16);
        double[] dLast = gaussian(rnd, states, 1, bf16);
        ScanReference.Inputs in = new ScanReference.Inputs(spec, u, delta, a, b, c, d, z, bias, h0);
        ScanReference.Forward refF = ScanReference.forward(in);
        ScanReference.Gradients refB = ScanReference.backward(in, dy, dLast);

        try (Arena arena = Arena.ofConfined()) {
            Buffers io = new Buffers(arena, type, heapInputs);
            ScanForward f = new ScanForward(type, io.in(u), io.in(delta), io.in(a), io.in(b), io.in(c), io.in(d),
                    io.in(z), io.in(bias), io.in(h0), io.out(act), io.out(states), io.out(ckpts));
            scan.forward(spec, f);
            MemorySegment dD = spec.hasD() ? io.out(spec.channels()) : null;
            MemorySegment dZ = spec.hasZ() ? io.out(act) : null;
            MemorySegment dBias = spec.hasDeltaBias() ? io.out(spec.channels()) : null;
            MemorySegment dH0 = spec.hasInitialState() ? io.out(states) : null;
            ScanBackward bw = new ScanBackward(type, f.u(), f.delta(), f.a(), f.b(), f.c(), f.d(), f.z(), f.deltaBias(),
                    f.initialState(), f.checkpoints(), io.in(dy), io.in(dLast), io.out(act), io.out(act),
                    io.out(weights), io.out(proj), io.out(proj), dD, dZ, dBias, dH0);
            scan.backward(spec, bw);

            String where = spec + " " + type + " seed " + seed;
            List<String> failures = new ArrayList<>();
            compare("y", io.read(f.y()), refF.y(), tolerance, failures);
            compare("lastState", io.read(f.lastState()), refF.lastState(), tolerance, failures);
            compare("checkpoints", io.read(f.checkpoints()), refF.checkpoints(), tolerance, failures);
            compare("du", io.read(bw.du()), refB.du(), tolerance, failures);
            compare("dDelta", io.read(bw.dDelta()), refB.dDelta(), tolerance, failures);
            compare("dA", io.read(bw.dA()), refB.dA(), tolerance, failures);
            compare("dB", io.read(bw.dB()), refB.dB(), tolerance, failures);
            compare("dC", io.read(bw.dC()), refB.dC(), tolerance, failures);
            if (dD != null) {
                compare("dD", io.read(dD), refB.dD(), tolerance, failures);
            }
            if (dZ != null) {
                compare("dZ", io.read(dZ), refB.dZ(), tolerance, failures);
            }
            if (dBias != null) {
                compare("dDeltaBias", io.read(dBias), refB.dDeltaBias(), tolerance, failures);
            }
            if (dH0 != null) {
                compare("dInitialState", io.read(dH0), refB.dInitialState(), tolerance, failures);
            }
            assertEquals(List.of(), failures, where);
        }
    }

    /** ||x - ref|| / ||ref||; a NaN anywhere (an unwritten output) fails. */
    private static void compare(String name, double[] x, double[] ref, double tolerance, List<String> failures) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < ref.length; i++) {
            if (Double.isNaN(x[i])) {
                failures.add(name + " has NaN at " + i);
                return;
            }
            num += (x[i] - ref[i]) * (x[i] - ref[i]);
            den += ref[i] * ref[i];
        }
        double rel = Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-300);
        if (!(rel < tolerance)) {
            failures.add(name + " relative error " + rel + " >= " + tolerance);
        }
    }

    private static double[] gaussian(Random rnd, int n, double scale, boolean bf16) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = round(rnd.nextGaussian() * scale, bf16);
        }
        return x;
    }

    private static double[] uniform(Random rnd, int n, double lo, double hi, boolean bf16) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = round(lo + rnd.nextDouble() * (hi - lo), bf16);
        }
        return x;
    }

    /** The value the buffer will hold: float32, or bfloat16 rounded to nearest even. */
    private static double round(double v, boolean bf16) {
        float f = (float) v;
        return bf16 ? Float.intBitsToFloat(toBf16(f) << 16) : f;
    }

    private static int toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        return ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16) & 0xFFFF;
    }

    /** Host buffers of one element type: inputs on the heap or off it, outputs off it and poisoned. */
    private static final class Buffers {
        private final Arena arena;
        private final ElementType type;
        private final boolean heap;

        Buffers(Arena arena, ElementType type, boolean heap) {
            this.arena = arena;
            this.type = type;
            this.heap = heap;
        }

        MemorySegment in(double[] values) {
            if (values == null) {
                return null;
            }
            MemorySegment s;
            if (type == ElementType.FLOAT32) {
                s = heap ? MemorySegment.ofArray(new float[values.length]) : arena.allocate(JAVA_FLOAT, values.length);
                for (int i = 0; i < values.length; i++) {
                    s.setAtIndex(JAVA_FLOAT, i, (float) values[i]);
                }
            } else {
                s = heap ? MemorySegment.ofArray(new short[values.length]) : arena.allocate(JAVA_SHORT, values.length);
                for (int i = 0; i < values.length; i++) {
                    s.setAtIndex(JAVA_SHORT, i, (short) toBf16((float) values[i]));
                }
            }
            return s;
        }

        MemorySegment out(long elements) {
            MemorySegment s = arena.allocate(elements * type.bytes(), 16);
            if (type == ElementType.FLOAT32) {
                s.elements(JAVA_FLOAT).forEach(e -> e.set(JAVA_FLOAT, 0, Float.NaN));
            } else {
                s.elements(JAVA_SHORT).forEach(e -> e.set(JAVA_SHORT, 0, (short) 0x7FC0));
            }
            return s;
        }

        double[] read(MemorySegment s) {
            if (type == ElementType.FLOAT32) {
                float[] f = s.toArray(JAVA_FLOAT);
                double[] x = new double[f.length];
                for (int i = 0; i < f.length; i++) {
                    x[i] = f[i];
                }
                return x;
            }
            short[] h = s.toArray(JAVA_SHORT);
            double[] x = new double[h.length];
            for (int i = 0; i < h.length; i++) {
                x[i] = Float.intBitsToFloat((h[i] & 0xFFFF) << 16);
            }
            return x;
        }
    }
}
