package org.ssm4j.kernels.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/** The threads of the CPU scan kernels: one daemon {@link ForkJoinPool} sized to the available processors. */
final class ScanThreads {

    private static final ForkJoinPool POOL = newPool(Runtime.getRuntime().availableProcessors());

    private ScanThreads() {
    }

    /** The shared pool. */
    static ForkJoinPool pool() {
        return POOL;
    }

    /** A pool of daemon threads named {@code ssm4j-scan-N}. */
    static ForkJoinPool newPool(int parallelism) {
        AtomicInteger count = new AtomicInteger();
        return new ForkJoinPool(parallelism, p -> {
            ForkJoinWorkerThread thread = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            thread.setDaemon(true);
            thread.setName("ssm4j-scan-" + count.incrementAndGet());
            return thread;
        }, null, false);
    }

    /**
     * Runs the tasks on the pool and waits for all of them; the first task's failure is
     * rethrown (unchecked exceptions and errors as they are).
     */
    static void runAll(ForkJoinPool pool, List<Runnable> tasks) {
        if (tasks.size() == 1 || pool.getParallelism() == 1) {
            tasks.forEach(Runnable::run);
            return;
        }
        List<Callable<Void>> callables = new ArrayList<>(tasks.size());
        for (Runnable task : tasks) {
            callables.add(() -> {
                task.run();
                return null;
            });
        }
        try {
            for (Future<Void> done : pool.invokeAll(callables)) {
                done.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a scan task", e);
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case RuntimeException r -> throw r;
                case Error err -> throw err;
                default -> throw new IllegalStateException("scan task failed", e.getCause());
            }
        }
    }
}
