package org.ssm4j.kernels.cuda;

import java.lang.foreign.MemorySegment;
import java.util.stream.IntStream;

/**
 * Copies between host memory of any kind (pageable native memory, heap arrays) and one device
 * through a few page-locked buffers of its own.
 *
 * <p>The driver copies pageable memory by staging it itself, one piece after another, at under
 * 10 GB/s on the H200 machine (docs/cuda.md, "Transfer cost of the host-segment path"). Here
 * each piece is copied into a page-locked buffer by several threads, and the GPU moves one
 * buffer while the next is filled (device to host: the other way round). A buffer is reused
 * only after the copy that last used it is done (one event per buffer), whatever stream that
 * copy went on; one transfer runs at a time per device.
 */
final class HostStaging {

    /** Bytes per piece: one buffer's size. */
    static final long PIECE_BYTES = 16L << 20;
    /** Page-locked buffers per device (48 MiB). */
    static final int BUFFERS = 3;
    /** No thread copies less than this (smaller pieces go in one copy). */
    private static final long MIN_PART_BYTES = 1L << 20;
    private static final int COPY_THREADS = Math.min(16, Runtime.getRuntime().availableProcessors());
    /**
     * A thread that owns no memory: a segment it may access is one any thread may access (not
     * confined to its arena's thread), which is when a piece can be copied by several threads.
     */
    private static final Thread NOT_AN_OWNER = Thread.ofVirtual().unstarted(() -> { });

    private final CudaDriver driver;
    private final long pieceBytes;
    private final MemorySegment[] buffers;
    private final MemorySegment[] lastUse;

    /** Allocates the buffers; the device's context must be current. */
    HostStaging(CudaDriver driver, long pieceBytes, int buffers) {
        if (pieceBytes < 1 || buffers < 2) {
            throw new IllegalArgumentException("staging needs pieces of at least 1 byte and at least 2 buffers, got "
                    + pieceBytes + " bytes x " + buffers);
        }
        this.driver = driver;
        this.pieceBytes = pieceBytes;
        this.buffers = new MemorySegment[buffers];
        this.lastUse = new MemorySegment[buffers];
        for (int i = 0; i < buffers; i++) {
            this.buffers[i] = driver.hostAlloc(pieceBytes);
            this.lastUse[i] = driver.createEvent();
        }
    }

    /**
     * Enqueues the copy of all of {@code source} to {@code destination} on {@code stream}.
     * Returns once {@code source} has been read: the caller may change it, and work enqueued on
     * {@code stream} afterwards sees the copied data.
     */
    synchronized void toDevice(long destination, MemorySegment source, MemorySegment stream) {
        long bytes = source.byteSize();
        for (int piece = 0; piece * pieceBytes < bytes; piece++) {
            long offset = piece * pieceBytes;
            long length = length(piece, bytes);
            int slot = piece % buffers.length;
            driver.waitFor(lastUse[slot]);
            copy(source.asSlice(offset, length), buffers[slot]);
            driver.copyToDevice(destination + offset, buffers[slot], length, stream);
            driver.record(lastUse[slot], stream);
        }
    }

    /**
     * Copies {@code destination.byteSize()} bytes from {@code source} into {@code destination},
     * after the work already enqueued on {@code stream}; returns when {@code destination} holds them.
     */
    synchronized void toHost(MemorySegment destination, long source, MemorySegment stream) {
        long bytes = destination.byteSize();
        int pieces = (int) ((bytes + pieceBytes - 1) / pieceBytes);
        int enqueued = 0;
        for (int piece = 0; piece < pieces; piece++) {
            // keep every buffer busy: up to BUFFERS pieces in flight ahead of the one copied out
            for (; enqueued < pieces && enqueued < piece + buffers.length; enqueued++) {
                int slot = enqueued % buffers.length;
                driver.waitFor(lastUse[slot]);
                driver.copyToHost(buffers[slot], source + enqueued * pieceBytes, length(enqueued, bytes), stream);
                driver.record(lastUse[slot], stream);
            }
            int slot = piece % buffers.length;
            driver.waitFor(lastUse[slot]);
            long length = length(piece, bytes);
            copy(buffers[slot].asSlice(0, length), destination.asSlice(piece * pieceBytes, length));
        }
    }

    private long length(int piece, long bytes) {
        return Math.min(pieceBytes, bytes - piece * pieceBytes);
    }

    /** Copies {@code from} into the start of {@code to}, in parallel parts when both allow it. */
    private static void copy(MemorySegment from, MemorySegment to) {
        long bytes = from.byteSize();
        int parts = (int) Math.min(COPY_THREADS, bytes / MIN_PART_BYTES);
        if (parts < 2 || !from.isAccessibleBy(NOT_AN_OWNER) || !to.isAccessibleBy(NOT_AN_OWNER)) {
            MemorySegment.copy(from, 0, to, 0, bytes);
            return;
        }
        long part = (bytes / parts + 63) & ~63L;
        IntStream.range(0, parts).parallel().forEach(p -> {
            long offset = p * part;
            if (offset < bytes) {
                MemorySegment.copy(from, offset, to, offset, Math.min(part, bytes - offset));
            }
        });
    }
}
