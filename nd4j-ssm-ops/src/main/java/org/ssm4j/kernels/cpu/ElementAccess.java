package org.ssm4j.kernels.cpu;

import org.ssm4j.kernels.ElementType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Reads and writes one element of a float or double buffer as a double. */
final class ElementAccess {

    private ElementAccess() {
    }

    static double get(ElementType type, MemorySegment buffer, long index) {
        return type == ElementType.FLOAT32
                ? buffer.getAtIndex(ValueLayout.JAVA_FLOAT, index)
                : buffer.getAtIndex(ValueLayout.JAVA_DOUBLE, index);
    }

    static void set(ElementType type, MemorySegment buffer, long index, double value) {
        if (type == ElementType.FLOAT32) {
            buffer.setAtIndex(ValueLayout.JAVA_FLOAT, index, (float) value);
        } else {
            buffer.setAtIndex(ValueLayout.JAVA_DOUBLE, index, value);
        }
    }
}
