package org.ssm4j.kernels;

/** Element type of the tensors handed to a kernel. State and accumulation are always at least float32. */
public enum ElementType {
    FLOAT32(4), FLOAT64(8), BFLOAT16(2);

    private final int bytes;

    ElementType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }
}
