package org.ssm4j.kernels.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The kernels' single parameter, {@code struct ScanParams} of {@code selective_scan.cu}, laid
 * out in native memory: 27 device pointers (0 for an absent tensor) followed by 12 ints,
 * 264 bytes. The order of the constants below is the order of the C fields.
 */
final class ScanParams {

    /** The pointer fields, in the C struct's order. */
    enum Pointer {
        U, DELTA, A, B, C, D, Z, DELTA_BIAS, H0, Y, LAST_STATE, CHECKPOINTS, DY, D_LAST, DU, D_DELTA, DZ, D_H0,
        DA, DB, DC, DD, D_BIAS, SCRATCH, CHUNK_STATE, CHUNK_DSUM, CHUNK_START
    }

    /** The int fields, in the C struct's order, after the pointers. */
    enum Int {
        BATCH, LENGTH, CHANNELS, STATE, GROUPS, INTERVAL, FLAGS, SCRATCH_TILES, CHUNK_LEN, CHUNKS, FIRST_LEN, LONG_CHUNKS
    }

    static final int FLAG_SOFTPLUS = 1;
    static final int FLAG_D = 2;
    static final int FLAG_Z = 4;
    static final int FLAG_BIAS = 8;
    static final int FLAG_H0 = 16;
    static final int FLAG_D_LAST = 32;
    static final int FLAG_CHECKPOINTS = 64;

    static final long INTS_OFFSET = 8L * Pointer.values().length;
    /** Size of the C struct (checked by a static_assert there). */
    static final long BYTES = INTS_OFFSET + 4L * Int.values().length;

    private final MemorySegment segment;

    ScanParams(Arena arena) {
        segment = arena.allocate(BYTES, 8);
    }

    ScanParams set(Pointer field, long devicePointer) {
        segment.set(JAVA_LONG, 8L * field.ordinal(), devicePointer);
        return this;
    }

    ScanParams set(Int field, int value) {
        segment.set(JAVA_INT, INTS_OFFSET + 4L * field.ordinal(), value);
        return this;
    }

    long get(Pointer field) {
        return segment.get(JAVA_LONG, 8L * field.ordinal());
    }

    int get(Int field) {
        return segment.get(JAVA_INT, INTS_OFFSET + 4L * field.ordinal());
    }

    MemorySegment segment() {
        return segment;
    }
}
