package org.ssm4j.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Measures the memory one piece of code takes: the Java heap bytes all threads allocate while
 * it runs (exact; an upper bound of what is live), and the peak of the process' resident set
 * above its size just before (Linux: the high-water mark {@code VmHWM}, reset through
 * {@code /proc/self/clear_refs}).
 *
 * <p>The resident set sees everything (ND4J's native arrays, heap growth, allocator overhead)
 * but not memory the C allocator hands out again from earlier frees; it is meaningful for a
 * call whose arrays are larger than anything freed before in the process.
 */
public final class MemoryProbe {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    /** What was measured. */
    public record Usage(long residentPeakBytes, long heapAllocatedBytes) {
    }

    private MemoryProbe() {
    }

    /** Runs {@code work} and measures it. */
    public static Usage measure(Runnable work) {
        System.gc();
        // ND4J frees native arrays on its deallocator thread once the GC has found them unreachable.
        LockSupport.parkNanos(300_000_000);
        try {
            Files.writeString(CLEAR_REFS, "5");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reset the resident-set high-water mark through " + CLEAR_REFS, e);
        }
        long before = statusBytes("VmRSS:");
        Map<Long, Long> heapBefore = heapAllocatedByThread();
        work.run();
        long peak = statusBytes("VmHWM:");
        long heap = 0;
        for (var entry : heapAllocatedByThread().entrySet()) {
            heap += entry.getValue() - heapBefore.getOrDefault(entry.getKey(), 0L);
        }
        return new Usage(Math.max(0, peak - before), heap);
    }

    /** A {@code kB} line of {@code /proc/self/status}, in bytes. */
    private static long statusBytes(String key) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).replace("kB", "").strip()) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + STATUS, e);
        }
        throw new IllegalStateException(STATUS + " has no " + key + " line");
    }

    /** Bytes each live thread has allocated on the heap so far (threads started meanwhile count from zero). */
    private static Map<Long, Long> heapAllocatedByThread() {
        long[] ids = THREADS.getAllThreadIds();
        long[] bytes = THREADS.getThreadAllocatedBytes(ids);
        Map<Long, Long> byThread = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            if (bytes[i] >= 0) {
                byThread.put(ids[i], bytes[i]);
            }
        }
        return byThread;
    }
}
