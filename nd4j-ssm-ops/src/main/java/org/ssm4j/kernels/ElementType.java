package org.ssm4j.kernels;

import java.lang.foreign.ValueLayout;

/** The element type of a kernel's buffers. */
public enum ElementType {
    /** 32-bit IEEE float. */
    FLOAT(ValueLayout.JAVA_FLOAT),
    /** 64-bit IEEE double. */
    DOUBLE(ValueLayout.JAVA_DOUBLE);

    private final ValueLayout layout;

    ElementType(ValueLayout layout) {
        this.layout = layout;
    }

    /** Bytes per element. */
    public long byteSize() {
        return layout.byteSize();
    }
}
