package org.ssm4j.mamba.generate;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Splits a range of rows or channels over a fixed set of threads: the calling thread and
 * {@code threads - 1} daemon workers. A token step runs about a hundred such sections of a
 * few microseconds to a millisecond each, so the hand-off must cost far less than a thread
 * pool's: workers spin briefly for the next section and park when none comes.
 * One section runs at a time ({@link #run} is synchronized).
 */
final class ParallelRange implements AutoCloseable {

    /** A section: processes {@code [from, to)}; {@code part} is the thread's index, 0 for the caller. */
    @FunctionalInterface
    interface Task {
        void run(int part, int from, int to);
    }

    /** How long an idle worker, or the caller waiting for the workers, spins before it parks. */
    private static final long SPIN_NANOS = 50_000;

    private final int threads;
    private final Worker[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile long epoch;
    private volatile boolean closed;
    private Task task;
    private int n;
    private int grain;
    private volatile Throwable failure;
    private volatile Thread caller;
    private volatile boolean callerParked;

    ParallelRange(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].thread.start();
        }
    }

    int threads() {
        return threads;
    }

    /**
     * Runs {@code task} over {@code [0, n)} split into contiguous parts whose boundaries are
     * multiples of {@code grain} (the last part takes the remainder), and returns when all
     * are done. A part's exception is rethrown here.
     */
    synchronized void run(int n, int grain, Task task) {
        if (closed) {
            throw new IllegalStateException("this model was closed");
        }
        int parts = Math.min(threads, Math.max(1, (n + grain - 1) / grain));
        if (parts == 1) {
            task.run(0, 0, n);
            return;
        }
        this.task = task;
        this.n = n;
        this.grain = grain;
        failure = null;
        caller = Thread.currentThread();
        pending.set(threads - 1);
        epoch++;
        for (Worker w : workers) {
            if (w.parked) {
                LockSupport.unpark(w.thread);
            }
        }
        try {
            runPart(0);
        } finally {
            awaitWorkers();
            this.task = null;
        }
        Throwable t = failure;
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Waits for the workers' parts: spins briefly (they usually finish within microseconds of
     * the caller's part), then parks until the last one unparks it, so that on a busy machine
     * the waiting thread does not take the CPU from the workers it waits for.
     */
    private void awaitWorkers() {
        long start = System.nanoTime();
        int spins = 0;
        while (pending.get() != 0) {
            if ((++spins & 63) != 0 || System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                callerParked = true;
                if (pending.get() != 0) {
                    LockSupport.park(this);
                }
                callerParked = false;
            }
        }
    }

    private void runPart(int part) {
        int blocks = (n + grain - 1) / grain;
        int from = Math.min(n, (int) ((long) blocks * part / threads) * grain);
        int to = part == threads - 1 ? n : Math.min(n, (int) ((long) blocks * (part + 1) / threads) * grain);
        if (from < to) {
            task.run(part, from, to);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Worker w : workers) {
            LockSupport.unpark(w.thread);
        }
    }

    private final class Worker implements Runnable {
        final int part;
        final Thread thread;
        volatile boolean parked;

        Worker(int part) {
            this.part = part;
            this.thread = Thread.ofPlatform().daemon().name("ssm4j-generate-" + part).unstarted(this);
        }

        @Override
        public void run() {
            long seen = 0;
            while (!closed) {
                long spinStart = System.nanoTime();
                int spins = 0;
                while (epoch == seen && !closed) {
                    if ((++spins & 63) != 0 || System.nanoTime() - spinStart < SPIN_NANOS) {
                        Thread.onSpinWait();
                    } else {
                        parked = true;
                        if (epoch == seen && !closed) {
                            LockSupport.park(this);
                        }
                        parked = false;
                    }
                }
                if (closed) {
                    return;
                }
                seen = epoch;
                try {
                    runPart(part);
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    if (pending.decrementAndGet() == 0 && callerParked) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }
    }
}
