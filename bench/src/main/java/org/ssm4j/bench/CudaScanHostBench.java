package org.ssm4j.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;

import org.ssm4j.kernels.ElementType;
import org.ssm4j.kernels.ScanBackward;
import org.ssm4j.kernels.ScanForward;
import org.ssm4j.kernels.ScanSpec;
import org.ssm4j.kernels.cuda.CudaAvailability;
import org.ssm4j.kernels.cuda.CudaSelectiveScan;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * Wall-clock time of the CUDA selective scan through its host-segment entry point, which
 * copies every input to the GPU and every output back: the cost of keeping activations on
 * the host. Compare with the kernel times of {@code bench/cuda/scan_bench.py} (device
 * buffers, CUDA events) for the same shape.
 *
 * <pre>java ... org.ssm4j.bench.CudaScanHostBench BATCH CHANNELS LENGTH [REPEATS]</pre>
 */
public final class CudaScanHostBench {

    private CudaScanHostBench() {
    }

    public static void main(String[] args) {
        if (args.length < 3) {
            throw new IllegalArgumentException("usage: CudaScanHostBench BATCH CHANNELS LENGTH [REPEATS], got "
                    + Arrays.toString(args));
        }
        CudaAvailability availability = CudaSelectiveScan.availability();
        if (!availability.available()) {
            System.out.println("CUDA selective scan unavailable: " + availability.reason());
            return;
        }
        int batch = Integer.parseInt(args[0]);
        int channels = Integer.parseInt(args[1]);
        int length = Integer.parseInt(args[2]);
        int repeats = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        ScanSpec spec = new ScanSpec(batch, length, channels, 16, 1, true, true, true, true, false,
                CudaSelectiveScan.PREFERRED_CHECKPOINT_INTERVAL);
        CudaSelectiveScan scan = CudaSelectiveScan.open(0);
        // A shared arena's memory (like ND4J's buffers) may be copied by several threads; a
        // confined arena's only by the thread that owns it.
        try (Arena shared = Arena.ofShared()) {
            measure(scan, spec, repeats, shared, "shared arena");
        }
        try (Arena confined = Arena.ofConfined()) {
            measure(scan, spec, repeats, confined, "confined arena");
        }
    }

    private static void measure(CudaSelectiveScan scan, ScanSpec spec, int repeats, Arena arena, String memory) {
        int batch = spec.batch();
        int channels = spec.channels();
        int length = spec.length();
        Random rnd = new Random(1);
        long act = (long) batch * length * channels;
        long proj = (long) batch * length * spec.state();
        long states = (long) batch * channels * spec.state();
        long ckpts = (long) batch * spec.checkpoints() * channels * spec.state();
        ScanForward f = new ScanForward(ElementType.FLOAT32, gaussian(arena, act, rnd, 1), gaussian(arena, act, rnd, 0.5),
                negative(arena, (long) channels * spec.state(), rnd), gaussian(arena, proj, rnd, 1),
                gaussian(arena, proj, rnd, 1), gaussian(arena, channels, rnd, 1), gaussian(arena, act, rnd, 1),
                gaussian(arena, channels, rnd, 0.1), null, floats(arena, act), floats(arena, states),
                floats(arena, ckpts));
        ScanBackward b = new ScanBackward(ElementType.FLOAT32, f.u(), f.delta(), f.a(), f.b(), f.c(), f.d(), f.z(),
                f.deltaBias(), null, f.checkpoints(), gaussian(arena, act, rnd, 1), null, floats(arena, act),
                floats(arena, act), floats(arena, (long) channels * spec.state()), floats(arena, proj),
                floats(arena, proj), floats(arena, channels), floats(arena, act), floats(arena, channels), null);
        double fwd = medianMillis(repeats, () -> scan.forward(spec, f));
        double bwd = medianMillis(repeats, () -> scan.backward(spec, b));
        double fwdBytes = 4.0 * (4 * act + 2 * proj + states + ckpts);
        double bwdBytes = 4.0 * (7 * act + 4 * proj + ckpts);
        System.out.printf("%s fp32 %dx%dx%d host segments, %s: forward %.2f ms (%.2f GB moved, %.1f GB/s), "
                        + "backward %.2f ms (%.2f GB moved, %.1f GB/s), median of %d%n",
                scan.deviceDescription(), batch, channels, length, memory, fwd, fwdBytes / 1e9, fwdBytes / fwd / 1e6,
                bwd, bwdBytes / 1e9, bwdBytes / bwd / 1e6, repeats);
    }

    private static double medianMillis(int repeats, Runnable r) {
        r.run();
        double[] t = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            long start = System.nanoTime();
            r.run();
            t[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(t);
        return t[repeats / 2];
    }

    private static MemorySegment floats(Arena arena, long n) {
        return arena.allocate(JAVA_FLOAT, n);
    }

    private static MemorySegment gaussian(Arena arena, long n, Random rnd, double scale) {
        MemorySegment s = floats(arena, n);
        for (long i = 0; i < n; i++) {
            s.setAtIndex(JAVA_FLOAT, i, (float) (rnd.nextGaussian() * scale));
        }
        return s;
    }

    private static MemorySegment negative(Arena arena, long n, Random rnd) {
        MemorySegment s = floats(arena, n);
        for (long i = 0; i < n; i++) {
            s.setAtIndex(JAVA_FLOAT, i, (float) -Math.exp(rnd.nextDouble() * Math.log(16)));
        }
        return s;
    }
}
