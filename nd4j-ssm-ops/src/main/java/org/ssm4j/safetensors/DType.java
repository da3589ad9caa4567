package org.ssm4j.safetensors;

import java.util.Locale;

/** The element types of the safetensors format, with their names in the header. */
public enum DType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** True for the floating-point types. */
    public boolean isFloatingPoint() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /** Parses a header dtype name such as {@code "F32"}. */
    public static DType fromHeader(String name, String tensor) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tensor '" + tensor + "' has unsupported dtype '" + name
                    + "'; expected one of F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL");
        }
    }
}
