package org.ssm4j.bench;

import org.bytedeco.javacpp.Pointer;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures the memory one piece of code takes: the peak of the process' resident set while it
 * runs (sampled every 0.2 ms on a thread of its own, relative to just before), and the bytes
 * the Java heap allocates meanwhile, summed over all threads.
 *
 * <p>Resident-set sampling sees everything (ND4J's native arrays, heap growth, allocator
 * overhead) but can miss spikes shorter than the period and under-count memory the allocator
 * reuses from earlier frees; so run a cold shape (not yet allocated in this process) after a
 * GC. Heap allocation counts are exact, and an upper bound of what is live.
 */
public final class MemoryProbe {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** What was measured. */
    public record Usage(long residentPeakBytes, long heapAllocatedBytes) {
    }

    private MemoryProbe() {
    }

    /** Runs {@code work} and measures it. */
    public static Usage measure(Runnable work) {
        System.gc();
        // ND4J frees native arrays on its deallocator thread once the GC has found them unreachable.
        java.util.concurrent.locks.LockSupport.parkNanos(200_000_000);
        long before = Pointer.physicalBytes();
        Map<Long, Long> heapBefore = heapAllocatedByThread();
        AtomicLong peak = new AtomicLong(before);
        Thread sampler = Thread.ofPlatform().daemon().name("ssm4j-memory-probe").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(Pointer.physicalBytes(), Math::max);
                java.util.concurrent.locks.LockSupport.parkNanos(200_000);
            }
        });
        try {
            work.run();
        } finally {
            peak.accumulateAndGet(Pointer.physicalBytes(), Math::max);
            sampler.interrupt();
        }
        try {
            sampler.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long heap = 0;
        for (var entry : heapAllocatedByThread().entrySet()) {
            heap += entry.getValue() - heapBefore.getOrDefault(entry.getKey(), 0L);
        }
        return new Usage(peak.get() - before, heap);
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
