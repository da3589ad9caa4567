package org.ssm4j.bench;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.ops.scan.SelectiveScan;
import org.ssm4j.ops.scan.SelectiveScanBp;
import org.ssm4j.ops.scan.SelectiveScanConfig;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * Times the selective_scan op and its backward op (FLOAT, channels-last, with D, z,
 * delta_bias and softplus, as in Mamba) on one shape, measures their memory, and optionally
 * the same scan written with stock SameDiff ops ({@link StockScan}).
 *
 * <p>Order: a warm-up on a small shape (class loading), then on the real shape (JIT); the stock
 * version's memory on its first call of the real shape (see {@link MemoryProbe}) and its
 * timings (at most 3 repetitions: it is slow); the op's memory on three more calls (the least
 * heap allocation of them, the JIT being done by then); then the
 * timed repetitions (forward and backward timed separately, each to its own median and
 * minimum).
 *
 * <p>The op's peak extra memory is counted exactly: the bytes of every ND4J array the two ops
 * allocate (outputs, checkpoints, gradients; channels-last dense inputs need no copies) plus
 * the Java heap bytes all threads allocate during the two calls (kernel scratch, partial sums).
 */
public final class ScanBench {

    private static final com.sun.management.OperatingSystemMXBean PROCESS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /** What to run. */
    public record Options(ScanShape shape, int repetitions, int warmup, boolean stock, long stockLimitBytes) {

        public Options {
            if (repetitions < 1 || warmup < 0) {
                throw new IllegalArgumentException("repetitions must be at least 1 and warmup at least 0, got "
                        + repetitions + " and " + warmup);
            }
        }
    }

    private ScanBench() {
    }

    public static ScanBenchResult run(Options options) {
        ScanShape shape = options.shape();
        String skipped = options.stock() ? stockSkipReason(shape, options.stockLimitBytes()) : null;
        ScanProblem small = ScanProblem.random(new ScanShape(1, Math.min(64, shape.channels()), shape.state(),
                Math.min(256, shape.length())), 1);
        for (int i = 0; i < 20; i++) {
            forwardAndBackward(small);
        }
        ScanProblem problem = ScanProblem.random(shape, 42);
        // Warm up on the real shape: the JIT's first compilations of a new shape run the
        // Vector API interpreted, allocating gigabytes of short-lived boxes.
        for (int i = 0; i < Math.max(3, options.warmup()); i++) {
            forwardAndBackward(problem);
        }
        ScanBenchResult.Stock stock = null;
        if (options.stock() && skipped == null) {
            new StockScan(ScanProblem.random(new ScanShape(1, 8, shape.state(), 8), 1)).gradients();
            StockScan stockScan = new StockScan(problem);
            MemoryProbe.Usage usage = MemoryProbe.measure(stockScan::gradients);
            stock = stockTimes(stockScan, shape, usage, Math.min(options.repetitions(), 3));
        }
        // The JIT may still be compiling (more so on a busy machine): of three calls, the one
        // that allocates least on the heap is the steady state.
        long[] nativeBytes = new long[1];
        MemoryProbe.Usage usage = null;
        for (int i = 0; i < 3; i++) {
            MemoryProbe.Usage call = MemoryProbe.measure(() -> nativeBytes[0] = bytes(forwardAndBackward(problem)));
            if (usage == null || call.heapAllocatedBytes() < usage.heapAllocatedBytes()) {
                usage = call;
            }
        }
        double[] fwd = new double[options.repetitions()];
        double[] bwd = new double[options.repetitions()];
        double[] fwdCpu = new double[options.repetitions()];
        double[] bwdCpu = new double[options.repetitions()];
        for (int i = 0; i < options.repetitions(); i++) {
            long cpuStart = PROCESS.getProcessCpuTime();
            long start = System.nanoTime();
            SelectiveScan op = forwardOp(problem);
            INDArray[] outputs = Nd4j.exec(op);
            long middle = System.nanoTime();
            long cpuMiddle = PROCESS.getProcessCpuTime();
            Nd4j.exec(new SelectiveScanBp(op, outputs[2], problem.dy(), problem.dLastState()));
            long end = System.nanoTime();
            long cpuEnd = PROCESS.getProcessCpuTime();
            fwd[i] = (middle - start) / (double) shape.elements();
            bwd[i] = (end - middle) / (double) shape.elements();
            fwdCpu[i] = (cpuMiddle - cpuStart) / (double) shape.elements();
            bwdCpu[i] = (cpuEnd - cpuMiddle) / (double) shape.elements();
        }
        return new ScanBenchResult(shape, Runtime.getRuntime().availableProcessors(), options.repetitions(),
                median(fwd), min(fwd), median(bwd), min(bwd), mean(fwdCpu), mean(bwdCpu),
                nativeBytes[0] + usage.heapAllocatedBytes(),
                nativeBytes[0], usage.heapAllocatedBytes(), stock, skipped,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    /** Why the stock version cannot run on this shape within the memory limit, or null if it can. */
    static String stockSkipReason(ScanShape shape, long limitBytes) {
        long bytes = StockScan.materialisedBytes(shape);
        return bytes <= limitBytes ? null : String.format("one materialised (batch, length, channels, state) tensor "
                + "would take %.1f MiB, more than the limit of %.1f MiB", bytes / 1048576.0, limitBytes / 1048576.0);
    }

    private static SelectiveScan forwardOp(ScanProblem p) {
        return new SelectiveScan(p.u(), p.delta(), p.a(), p.b(), p.c(), p.d(), p.z(), p.deltaBias(), null,
                SelectiveScanConfig.defaults());
    }

    /** Runs both ops; returns every array they allocated. */
    private static INDArray[] forwardAndBackward(ScanProblem p) {
        SelectiveScan op = forwardOp(p);
        INDArray[] outputs = Nd4j.exec(op);
        INDArray[] gradients = Nd4j.exec(new SelectiveScanBp(op, outputs[2], p.dy(), p.dLastState()));
        INDArray[] all = Arrays.copyOf(outputs, outputs.length + gradients.length);
        System.arraycopy(gradients, 0, all, outputs.length, gradients.length);
        return all;
    }

    private static long bytes(INDArray[] arrays) {
        return Arrays.stream(arrays).mapToLong(a -> a.length() * a.dataType().width()).sum();
    }

    private static ScanBenchResult.Stock stockTimes(StockScan stock, ScanShape shape, MemoryProbe.Usage usage,
                                                    int repetitions) {
        double[] fwd = new double[repetitions];
        double[] total = new double[repetitions];
        for (int i = 0; i < repetitions; i++) {
            long start = System.nanoTime();
            stock.output();
            long middle = System.nanoTime();
            stock.gradients();
            long end = System.nanoTime();
            fwd[i] = (middle - start) / (double) shape.elements();
            total[i] = (end - middle) / (double) shape.elements();
        }
        double forward = median(fwd);
        return new ScanBenchResult.Stock(forward, median(total) - forward, usage.residentPeakBytes(), repetitions);
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** The mean: for CPU times, which the OS counts in ticks of several milliseconds. */
    static double mean(double[] values) {
        return Arrays.stream(values).average().orElseThrow();
    }

    static double min(double[] values) {
        return Arrays.stream(values).min().orElseThrow();
    }
}
