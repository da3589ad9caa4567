package org.ssm4j.kernels.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Host copies through the page-locked staging buffers, round trips host → device → host: many
 * small pieces (more than there are buffers, a partial last piece), pieces large enough to be
 * copied by several threads, heap, confined and shared segments, two streams sharing the
 * buffers. Tagged {@code gpu}; skipped, with the reason, where no CUDA device is present.
 */
@Tag("gpu")
class HostStagingGpuTest {

    private ScanModule module;
    private CudaDriver driver;
    private MemorySegment stream;
    private MemorySegment other;

    @BeforeEach
    void open() {
        CudaAvailability availability = CudaSelectiveScan.availability();
        assumeTrue(availability.available(), "CUDA staging not testable here: " + availability.reason());
        module = ScanModule.forDevice(0);
        driver = module.driver();
        module.makeCurrent();
        stream = driver.createStream();
        other = driver.createStream();
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.destroyStream(stream);
            driver.destroyStream(other);
        }
    }

    @Test
    void smallPiecesRoundTripInOrderAcrossStreams() {
        HostStaging staging = new HostStaging(driver, 4096, 3);
        try (Arena arena = Arena.ofConfined()) {
            long bytes = 4096L * 7 + 260;  // 8 pieces over 3 buffers, the last one partial
            MemorySegment first = pattern(arena.allocate(bytes, 16), 11);
            MemorySegment second = pattern(MemorySegment.ofArray(new int[(int) (bytes / 4)]), 29);
            long a = driver.malloc(bytes);
            long b = driver.malloc(bytes);
            try {
                staging.toDevice(a, first, stream);
                staging.toDevice(b, second, other);  // reuses the buffers the first copy may still read
                MemorySegment backA = arena.allocate(bytes, 16);
                MemorySegment backB = MemorySegment.ofArray(new int[(int) (bytes / 4)]);
                staging.toHost(backB, b, stream);
                staging.toHost(backA, a, other);
                assertEquals(-1, first.mismatch(backA));
                assertEquals(-1, second.mismatch(backB));
            } finally {
                driver.synchronize(stream);
                driver.synchronize(other);
                driver.free(a);
                driver.free(b);
            }
        }
    }

    @Test
    void largePiecesAreCopiedByThreadsWhenTheSegmentAllowsIt() {
        HostStaging staging = module.staging();
        long bytes = HostStaging.PIECE_BYTES * 2 + 4 * 12_345;
        try (Arena shared = Arena.ofShared(); Arena confined = Arena.ofConfined()) {
            for (MemorySegment source : new MemorySegment[] {pattern(shared.allocate(bytes, 64), 3),
                    pattern(confined.allocate(bytes, 64), 5)}) {
                long device = driver.malloc(bytes);
                try {
                    staging.toDevice(device, source, stream);
                    MemorySegment back = shared.allocate(bytes, 64);
                    staging.toHost(back, device, stream);
                    assertEquals(-1, source.mismatch(back));
                } finally {
                    driver.synchronize(stream);
                    driver.free(device);
                }
            }
        }
    }

    @Test
    void stagingNeedsTwoBuffersAndNonEmptyPieces() {
        assertThrows(IllegalArgumentException.class, () -> new HostStaging(driver, 4096, 1));
        assertThrows(IllegalArgumentException.class, () -> new HostStaging(driver, 0, 3));
    }

    private static MemorySegment pattern(MemorySegment segment, int seed) {
        for (long i = 0; i < segment.byteSize() / 4; i++) {
            segment.setAtIndex(JAVA_INT, i, (int) (i * 2654435761L) ^ seed);
        }
        return segment;
    }
}
