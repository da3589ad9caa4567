package org.ssm4j.kernels.cpu;

import org.ssm4j.kernels.ElementType;
import org.ssm4j.kernels.ScanBackward;
import org.ssm4j.kernels.ScanForward;
import org.ssm4j.kernels.ScanSpec;

import java.lang.foreign.MemorySegment;

/** Checks that a kernel call's buffers are present exactly as the spec says and large enough. */
final class ScanBufferChecks {

    private ScanBufferChecks() {
    }

    static void forward(ScanSpec spec, ScanForward f) {
        ElementType type = f.type();
        inputs(spec, type, "ScanForward", f.u(), f.delta(), f.a(), f.b(), f.c(), f.d(), f.z(), f.deltaBias(), f.initialState());
        long bld = (long) spec.batch() * spec.length() * spec.channels();
        long bdn = (long) spec.batch() * spec.channels() * spec.state();
        check("ScanForward.y", f.y(), true, bld, type, spec);
        check("ScanForward.lastState", f.lastState(), true, bdn, type, spec);
        if (f.checkpoints() != null) {
            check("ScanForward.checkpoints", f.checkpoints(), true, bdn * spec.checkpoints(), type, spec);
        }
    }

    static void backward(ScanSpec spec, ScanBackward g) {
        ElementType type = g.type();
        inputs(spec, type, "ScanBackward", g.u(), g.delta(), g.a(), g.b(), g.c(), g.d(), g.z(), g.deltaBias(), g.initialState());
        long bld = (long) spec.batch() * spec.length() * spec.channels();
        long bdn = (long) spec.batch() * spec.channels() * spec.state();
        long blgn = (long) spec.batch() * spec.length() * spec.groups() * spec.state();
        check("ScanBackward.checkpoints", g.checkpoints(), true, bdn * spec.checkpoints(), type, spec);
        check("ScanBackward.dy", g.dy(), true, bld, type, spec);
        if (g.dLastState() != null) {
            check("ScanBackward.dLastState", g.dLastState(), true, bdn, type, spec);
        }
        check("ScanBackward.du", g.du(), true, bld, type, spec);
        check("ScanBackward.dDelta", g.dDelta(), true, bld, type, spec);
        check("ScanBackward.dA", g.dA(), true, (long) spec.channels() * spec.state(), type, spec);
        check("ScanBackward.dB", g.dB(), true, blgn, type, spec);
        check("ScanBackward.dC", g.dC(), true, blgn, type, spec);
        check("ScanBackward.dD", g.dD(), spec.hasD(), spec.channels(), type, spec);
        check("ScanBackward.dZ", g.dZ(), spec.hasZ(), bld, type, spec);
        check("ScanBackward.dDeltaBias", g.dDeltaBias(), spec.hasDeltaBias(), spec.channels(), type, spec);
        check("ScanBackward.dInitialState", g.dInitialState(), spec.hasInitialState(), bdn, type, spec);
    }

    private static void inputs(ScanSpec spec, ElementType type, String record,
                               MemorySegment u, MemorySegment delta, MemorySegment a, MemorySegment b, MemorySegment c,
                               MemorySegment d, MemorySegment z, MemorySegment deltaBias, MemorySegment initialState) {
        long bld = (long) spec.batch() * spec.length() * spec.channels();
        long blgn = (long) spec.batch() * spec.length() * spec.groups() * spec.state();
        check(record + ".u", u, true, bld, type, spec);
        check(record + ".delta", delta, true, bld, type, spec);
        check(record + ".a", a, true, (long) spec.channels() * spec.state(), type, spec);
        check(record + ".b", b, true, blgn, type, spec);
        check(record + ".c", c, true, blgn, type, spec);
        check(record + ".d", d, spec.hasD(), spec.channels(), type, spec);
        check(record + ".z", z, spec.hasZ(), bld, type, spec);
        check(record + ".deltaBias", deltaBias, spec.hasDeltaBias(), spec.channels(), type, spec);
        check(record + ".initialState", initialState, spec.hasInitialState(),
                (long) spec.batch() * spec.channels() * spec.state(), type, spec);
    }

    private static void check(String name, MemorySegment segment, boolean present, long elements,
                              ElementType type, ScanSpec spec) {
        if (!present) {
            if (segment != null) {
                throw new IllegalArgumentException(name + " is given but the spec says it is absent: " + spec);
            }
            return;
        }
        if (segment == null) {
            throw new IllegalArgumentException(name + " is null but the spec requires it: " + spec);
        }
        long bytes = elements * type.bytes();
        if (segment.byteSize() < bytes) {
            throw new IllegalArgumentException(name + " holds " + segment.byteSize() + " bytes; expected at least "
                    + bytes + " (" + elements + " " + type + " elements) for " + spec);
        }
    }
}
