package org.ssm4j.kernels.cpu;

import org.jspecify.annotations.Nullable;
import org.ssm4j.kernels.ElementType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Reads and writes one element of a float or double buffer as a double; checks a buffer's size. */
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

    /**
     * Rejects a missing buffer or one with fewer than {@code elements} elements of {@code type}.
     *
     * @throws IllegalArgumentException naming the buffer, its size and the size expected
     */
    static void requireElements(String name, @Nullable MemorySegment buffer, long elements, ElementType type) {
        if (buffer == null) {
            throw new IllegalArgumentException(name + " is missing: expected " + elements + " " + type + " elements");
        }
        if (buffer.byteSize() < elements * type.bytes()) {
            throw new IllegalArgumentException(name + " holds " + buffer.byteSize() / type.bytes() + " "
                    + type + " elements, expected at least " + elements);
        }
    }
}
