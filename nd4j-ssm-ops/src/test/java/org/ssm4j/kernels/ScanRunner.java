package org.ssm4j.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Runs a kernel's forward and backward pass on a {@link ScanCase}, in native buffers of the
 * given element type whose outputs are filled with NaN first (so an element a kernel does not
 * write shows up), and returns everything as doubles.
 */
public final class ScanRunner {

    private ScanRunner() {
    }

    public static ScanResult run(SelectiveScanKernel kernel, ScanCase sc, ElementType type) {
        ScanSpec spec = sc.spec();
        long bld = (long) spec.batch() * spec.length() * spec.channels();
        long bdn = (long) spec.batch() * spec.channels() * spec.state();
        long blgn = (long) spec.batch() * spec.length() * spec.groups() * spec.state();
        try (Arena arena = Arena.ofShared()) {
            Buffers in = new Buffers(arena, type);
            MemorySegment u = in.of(sc.u());
            MemorySegment delta = in.of(sc.delta());
            MemorySegment a = in.of(sc.a());
            MemorySegment b = in.of(sc.b());
            MemorySegment c = in.of(sc.c());
            MemorySegment d = in.of(sc.d());
            MemorySegment z = in.of(sc.z());
            MemorySegment bias = in.of(sc.deltaBias());
            MemorySegment h0 = in.of(sc.initialState());
            MemorySegment y = in.poisoned(bld);
            MemorySegment last = in.poisoned(bdn);
            MemorySegment checkpoints = in.poisoned(bdn * spec.checkpoints());
            kernel.forward(spec, new ScanForward(type, u, delta, a, b, c, d, z, bias, h0, y, last, checkpoints));
            MemorySegment du = in.poisoned(bld);
            MemorySegment dDelta = in.poisoned(bld);
            MemorySegment dA = in.poisoned((long) spec.channels() * spec.state());
            MemorySegment dB = in.poisoned(blgn);
            MemorySegment dC = in.poisoned(blgn);
            MemorySegment dD = spec.hasD() ? in.poisoned(spec.channels()) : null;
            MemorySegment dZ = spec.hasZ() ? in.poisoned(bld) : null;
            MemorySegment dBias = spec.hasDeltaBias() ? in.poisoned(spec.channels()) : null;
            MemorySegment dH0 = spec.hasInitialState() ? in.poisoned(bdn) : null;
            kernel.backward(spec, new ScanBackward(type, u, delta, a, b, c, d, z, bias, h0, checkpoints,
                    in.of(sc.dy()), in.of(sc.dLastState()), du, dDelta, dA, dB, dC, dD, dZ, dBias, dH0));
            return new ScanResult(in.read(y), in.read(last), in.read(checkpoints), in.read(du), in.read(dDelta),
                    in.read(dA), in.read(dB), in.read(dC), in.read(dD), in.read(dZ), in.read(dBias), in.read(dH0));
        }
    }

    /** Native buffers of one element type. */
    public record Buffers(Arena arena, ElementType type) {

        public MemorySegment of(double[] values) {
            if (values == null) {
                return null;
            }
            MemorySegment s = arena.allocate((long) values.length * type.bytes(), 64);
            for (int i = 0; i < values.length; i++) {
                set(s, i, values[i]);
            }
            return s;
        }

        public MemorySegment poisoned(long elements) {
            MemorySegment s = arena.allocate(elements * type.bytes(), 64);
            for (long i = 0; i < elements; i++) {
                set(s, i, Double.NaN);
            }
            return s;
        }

        public double[] read(MemorySegment s) {
            if (s == null) {
                return null;
            }
            double[] out = new double[Math.toIntExact(s.byteSize() / type.bytes())];
            for (int i = 0; i < out.length; i++) {
                out[i] = type == ElementType.FLOAT64 ? s.getAtIndex(ValueLayout.JAVA_DOUBLE, i)
                        : s.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            }
            return out;
        }

        private void set(MemorySegment s, long i, double v) {
            if (type == ElementType.FLOAT64) {
                s.setAtIndex(ValueLayout.JAVA_DOUBLE, i, v);
            } else {
                s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) v);
            }
        }
    }
}
