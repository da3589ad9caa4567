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
 * <p>Order: a warm-up on a small shape (class loading, JIT), the memory measurements on the
 * first call of the real shape (the op's, then the stock version's), more warm-up, then the
 * timed repetitions (forward and backward timed separately, each to its own median and
 * minimum). The stock version is timed over at most 3 repetitions (it is slow).
 */
public final class ScanBench {

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
        boolean stock = options.stock() && skipped == null;
        ScanProblem small = ScanProblem.random(new ScanShape(1, Math.min(64, shape.channels()), shape.state(),
                Math.min(256, shape.length())), 1);
        for (int i = 0; i < 20; i++) {
            forwardAndBackward(small);
        }
        ScanProblem problem = ScanProblem.random(shape, 42);
        long[] nativeBytes = new long[1];
        MemoryProbe.Usage usage = MemoryProbe.measure(() -> nativeBytes[0] = bytes(forwardAndBackward(problem)));
        StockScan stockScan = null;
        MemoryProbe.Usage stockUsage = null;
        if (stock) {
            new StockScan(ScanProblem.random(new ScanShape(1, 8, shape.state(), 8), 1)).gradients();
            stockScan = new StockScan(problem);
            stockUsage = MemoryProbe.measure(stockScan::gradients);
        }
        double[] fwd = new double[options.repetitions()];
        double[] bwd = new double[options.repetitions()];
        for (int i = -options.warmup(); i < options.repetitions(); i++) {
            long start = System.nanoTime();
            SelectiveScan op = forwardOp(problem);
            INDArray[] outputs = Nd4j.exec(op);
            long middle = System.nanoTime();
            Nd4j.exec(new SelectiveScanBp(op, outputs[2], problem.dy(), problem.dLastState()));
            long end = System.nanoTime();
            if (i >= 0) {
                fwd[i] = (middle - start) / (double) shape.elements();
                bwd[i] = (end - middle) / (double) shape.elements();
            }
        }
        ScanBenchResult.Stock stockResult = stockScan == null ? null
                : stockTimes(stockScan, shape, stockUsage, Math.min(options.repetitions(), 3));
        return new ScanBenchResult(shape, Runtime.getRuntime().availableProcessors(), options.repetitions(),
                median(fwd), min(fwd), median(bwd), min(bwd), nativeBytes[0] + usage.heapAllocatedBytes(),
                nativeBytes[0], usage.heapAllocatedBytes(), usage.residentPeakBytes(), stockResult, skipped,
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

    static double min(double[] values) {
        return Arrays.stream(values).min().orElseThrow();
    }
}
