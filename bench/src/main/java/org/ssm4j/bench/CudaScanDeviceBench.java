package org.ssm4j.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleSupplier;

import org.ssm4j.kernels.ElementType;
import org.ssm4j.kernels.ScanSpec;
import org.ssm4j.kernels.cuda.CudaAvailability;
import org.ssm4j.kernels.cuda.CudaDevice;
import org.ssm4j.kernels.cuda.CudaSelectiveScan;
import org.ssm4j.kernels.cuda.DeviceBackward;
import org.ssm4j.kernels.cuda.DeviceForward;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Per-call time of the CUDA selective scan through ssm4j's Java launcher on buffers that stay on
 * the GPU: each call is bracketed by CUDA events on the launch stream, so the figure is the GPU
 * time plus any time the GPU waits for the Java side to enqueue the launches (the same measure as
 * {@code bench/cuda/scan_bench.py --time} per call). State 16, variable B and C, z, D, delta bias,
 * softplus, checkpoint interval 16. The launch path is first run 2,000 times on a small shape so that
 * the JIT has compiled it (a training loop's steady state); then, per shape, median of 20 calls
 * after 5 warm-ups.
 *
 * <pre>java ... org.ssm4j.bench.CudaScanDeviceBench [DTYPE:BATCHxCHANNELSxLENGTH ...]</pre>
 * Without arguments it times the shapes (fp32 8x1536x2048, 1x2048x16384, 16x2048x1024,
 * 1x1536x131072; bf16 8x1536x2048, 1x2048x16384).
 */
public final class CudaScanDeviceBench {

    private static final String[] DEFAULT_SHAPES = {"fp32:8x1536x2048", "fp32:1x2048x16384", "fp32:16x2048x1024",
        "fp32:1x1536x131072", "bf16:8x1536x2048", "bf16:1x2048x16384"};
    private static final int JIT_WARMUP = 2000;
    private static final int WARMUP = 5;
    private static final int REPEATS = 20;

    private CudaScanDeviceBench() {
    }

    public static void main(String[] args) {
        CudaAvailability availability = CudaSelectiveScan.availability();
        if (!availability.available()) {
            System.out.println("CUDA selective scan unavailable: " + availability.reason());
            return;
        }
        CudaSelectiveScan scan = CudaSelectiveScan.open(0);
        System.out.println(scan.deviceDescription() + ", Java launcher, device buffers, per call (CUDA events), median of "
                + REPEATS);
        System.out.println("| dtype | batch x channels x length | forward ms | backward ms |");
        System.out.println("|---|---|---|---|");
        try (CudaDevice device = CudaDevice.open(0)) {
            time(scan, device, Shape.parse("fp32:1x64x256"), JIT_WARMUP);
            for (String shape : args.length > 0 ? args : DEFAULT_SHAPES) {
                Shape s = Shape.parse(shape);
                double[] ms = time(scan, device, s, WARMUP);
                System.out.printf("| %s | %d x %d x %d | %.3f | %.3f |%n", s.name(), s.batch(), s.channels(), s.length(),
                        ms[0], ms[1]);
            }
        }
    }

    /** One benchmark shape, {@code fp32:8x1536x2048}. */
    private record Shape(String name, ElementType type, int batch, int channels, int length) {
        static Shape parse(String text) {
            String[] parts = text.split("[:x]");
            if (parts.length != 4 || !(parts[0].equals("fp32") || parts[0].equals("bf16"))) {
                throw new IllegalArgumentException("a shape is DTYPE:BATCHxCHANNELSxLENGTH with DTYPE fp32 or bf16, got "
                        + text);
            }
            ElementType type = parts[0].equals("fp32") ? ElementType.FLOAT32 : ElementType.BFLOAT16;
            return new Shape(parts[0], type, Integer.parseInt(parts[1]), Integer.parseInt(parts[2]),
                    Integer.parseInt(parts[3]));
        }
    }

    private static double[] time(CudaSelectiveScan scan, CudaDevice device, Shape s, int warmup) {
        ScanSpec spec = new ScanSpec(s.batch(), s.length(), s.channels(), 16, 1, true, true, true, true, false,
                CudaSelectiveScan.PREFERRED_CHECKPOINT_INTERVAL);
        long act = (long) s.batch() * s.length() * s.channels();
        long proj = (long) s.batch() * s.length() * spec.state();
        long states = (long) s.batch() * s.channels() * spec.state();
        long ckpts = (long) s.batch() * spec.checkpoints() * s.channels() * spec.state();
        long params = (long) s.channels() * spec.state();
        Buffers buf = new Buffers(device, s.type(), new Random(1));
        try {
            DeviceForward f = new DeviceForward(buf.random(act, 1), buf.random(act, 0.5), buf.negative(params),
                    buf.random(proj, 1), buf.random(proj, 1), buf.random(s.channels(), 1), buf.random(act, 1),
                    buf.random(s.channels(), 0.1), 0, buf.empty(act), buf.empty(states), buf.empty(ckpts));
            DeviceBackward b = new DeviceBackward(f.u(), f.delta(), f.a(), f.b(), f.c(), f.d(), f.z(), f.deltaBias(), 0,
                    f.checkpoints(), buf.random(act, 1), 0, buf.empty(act), buf.empty(act), buf.empty(params),
                    buf.empty(proj), buf.empty(proj), buf.empty(s.channels()), buf.empty(act), buf.empty(s.channels()), 0);
            double fwd = median(device, warmup, () -> scan.forwardOnDevice(spec, s.type(), f, device.stream()));
            double bwd = median(device, warmup, () -> scan.backwardOnDevice(spec, s.type(), b, device.stream()));
            return new double[] {fwd, bwd};
        } finally {
            buf.freeAll();
        }
    }

    private static double median(CudaDevice device, int warmup, Runnable call) {
        for (int i = 0; i < warmup; i++) {
            device.millis(call);
        }
        double[] t = new double[REPEATS];
        for (int i = 0; i < REPEATS; i++) {
            t[i] = device.millis(call);
        }
        Arrays.sort(t);
        return (t[REPEATS / 2 - 1] + t[REPEATS / 2]) / 2;
    }

    /** Device buffers of one element type, filled from the host. */
    private static final class Buffers {
        private final CudaDevice device;
        private final ElementType type;
        private final Random rnd;
        private final List<Long> owned = new ArrayList<>();

        Buffers(CudaDevice device, ElementType type, Random rnd) {
            this.device = device;
            this.type = type;
            this.rnd = rnd;
        }

        long empty(long n) {
            long pointer = device.allocate(n * type.bytes());
            owned.add(pointer);
            return pointer;
        }

        long random(long n, double scale) {
            return filled(n, () -> rnd.nextGaussian() * scale);
        }

        /** A = -exp(uniform(0, ln 16)), as Mamba's A = -(1..16) spread. */
        long negative(long n) {
            return filled(n, () -> -Math.exp(rnd.nextDouble() * Math.log(16)));
        }

        private long filled(long n, DoubleSupplier values) {
            long pointer = empty(n);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment host = arena.allocate(n * type.bytes(), 16);
                for (long i = 0; i < n; i++) {
                    float v = (float) values.getAsDouble();
                    if (type == ElementType.FLOAT32) {
                        host.setAtIndex(JAVA_FLOAT, i, v);
                    } else {  // bfloat16 by truncation: random benchmark inputs need no rounding
                        host.setAtIndex(JAVA_SHORT, i, (short) (Float.floatToRawIntBits(v) >>> 16));
                    }
                }
                device.copyToDevice(pointer, host);
            }
            return pointer;
        }

        void freeAll() {
            owned.forEach(device::free);
        }
    }
}
