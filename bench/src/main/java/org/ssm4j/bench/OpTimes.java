package org.ssm4j.bench;

import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A SameDiff listener that adds up the wall time of every op a graph executes, by op name
 * (e.g. {@code matmul}, {@code selective_scan_bp}): from just before SameDiff hands the op to
 * the executioner to just after it returns. SameDiff allocates an op's outputs before that
 * (with its other bookkeeping between ops), so the allocation is not part of an op's time.
 * SameDiff runs a graph's ops one after another on the calling thread.
 */
public final class OpTimes extends BaseListener {

    private final Map<String, Total> totals = new HashMap<>();
    private long started;

    /** The time and calls of one op name, summed over everything the listener saw. */
    public record Total(String op, long calls, long nanos) {
    }

    @Override
    public boolean isActive(Operation operation) {
        return true;
    }

    @Override
    public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext context) {
        started = System.nanoTime();
    }

    @Override
    public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext context,
                            INDArray[] outputs) {
        add(op.getOp().opName(), System.nanoTime() - started);
    }

    /** Counts one execution of {@code op} that took {@code nanos}. */
    void add(String op, long nanos) {
        totals.merge(op, new Total(op, 1, nanos), (a, b) -> new Total(op, a.calls() + b.calls(), a.nanos() + b.nanos()));
    }

    /** Every op name seen, the most time first. */
    public List<Total> totals() {
        return totals.values().stream().sorted(Comparator.comparingLong(Total::nanos).reversed()
                .thenComparing(Total::op)).toList();
    }
}
