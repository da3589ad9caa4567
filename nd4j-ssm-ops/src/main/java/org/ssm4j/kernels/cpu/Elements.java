package org.ssm4j.kernels.cpu;

import org.ssm4j.kernels.ElementType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Reads and writes FLOAT32 or FLOAT64 buffer elements as doubles, by element index. */
final class Elements {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    private final boolean wide;

    Elements(ElementType type) {
        if (type != ElementType.FLOAT32 && type != ElementType.FLOAT64) {
            throw new IllegalArgumentException("CPU scan kernels take FLOAT32 or FLOAT64 buffers, got " + type);
        }
        this.wide = type == ElementType.FLOAT64;
    }

    double get(MemorySegment segment, long index) {
        return wide ? segment.getAtIndex(F64, index) : segment.getAtIndex(F32, index);
    }

    void set(MemorySegment segment, long index, double value) {
        if (wide) {
            segment.setAtIndex(F64, index, value);
        } else {
            segment.setAtIndex(F32, index, (float) value);
        }
    }
}
