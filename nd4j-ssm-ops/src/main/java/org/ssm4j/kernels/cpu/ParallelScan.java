package org.ssm4j.kernels.cpu;

import org.ssm4j.kernels.ScanBackward;
import org.ssm4j.kernels.ScanForward;
import org.ssm4j.kernels.ScanSpec;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;

/**
 * Schedules a CPU kernel's {@link BlockArithmetic} over threads.
 *
 * <p><b>Channel-parallel path</b> (enough blocks for the threads): each task scans one
 * {@link ScanUnit} over the whole length. The backward pass walks the checkpoint intervals
 * from the last to the first, and within each interval the unit's blocks, so that its
 * blocks' dB and dC terms are summed per interval in a small buffer.
 *
 * <p><b>Chunked path</b> (few channels, long sequences; {@link ScanPlan}): the length is cut
 * into chunks of whole checkpoint intervals, scanned in parallel with the associative operator
 * {@code (a1, b1) ∘ (a2, b2) = (a2 a1, a2 b1 + b2)} of {@code h -> a h + b}. Forward: pass 1
 * scans chunk 0 from the true initial state and every other chunk from zero (its local end
 * state; its decay product is {@code exp(A Σ delta')}), the chunks' true start states follow
 * by a sequential combine, and pass 2 rescans chunks 1.. from them, writing y and the
 * checkpoints. Backward: the carried gradient {@code a_t G_t} obeys the same recurrence
 * backwards in time, so the last chunk runs in full in pass 1, the others compute their local
 * carry, and pass 2 runs them in full from their true carries.
 *
 * <p>Sums across channels (dB, dC) are kept per unit and added in unit order, and sums over
 * steps and batch rows (dA, dD, d(delta_bias)) per task and added in task order, so the result
 * depends only on the inputs and the plan, not on thread timing.
 */
final class ParallelScan {

    private final BlockArithmetic arithmetic;
    private final ForkJoinPool pool;
    private final int forceChunks;

    /**
     * @param forceChunks length chunks to use regardless of the plan's heuristic, or 0 (tests use it
     *                    to exercise the chunked path on any machine)
     */
    ParallelScan(BlockArithmetic arithmetic, ForkJoinPool pool, int forceChunks) {
        this.arithmetic = arithmetic;
        this.pool = pool;
        this.forceChunks = forceChunks;
    }

    private ScanPlan plan(ScanSpec spec) {
        return ScanPlan.of(spec, arithmetic.blockWidth(), pool.getParallelism(), forceChunks);
    }

    void forward(ScanSpec spec, ScanForward buffers) {
        ScanBufferChecks.forward(spec, buffers);
        ScanPlan plan = plan(spec);
        BlockArithmetic.ForwardPass pass = arithmetic.forward(spec, buffers);
        int width = arithmetic.blockWidth();
        if (plan.chunks() == 1) {
            int tile = forwardTileSteps(spec);
            List<Runnable> tasks = new ArrayList<>();
            for (ScanUnit unit : plan.units()) {
                tasks.add(() -> {
                    BlockArithmetic.ForwardWorker worker = pass.worker();
                    double[] deltaSum = new double[width];
                    List<ChannelBlock> blocks = unit.blocks();
                    double[][] states = new double[blocks.size()][];
                    for (int i = 0; i < states.length; i++) {
                        states[i] = pass.readState(blocks.get(i), buffers.initialState());
                    }
                    for (int t0 = 0; t0 < spec.length(); t0 += tile) {
                        int t1 = Math.min(spec.length(), t0 + tile);
                        for (int i = 0; i < states.length; i++) {
                            worker.scan(blocks.get(i), t0, t1, states[i], true, deltaSum);
                        }
                    }
                    for (int i = 0; i < states.length; i++) {
                        pass.writeState(blocks.get(i), states[i], buffers.lastState());
                    }
                });
            }
            ScanThreads.runAll(pool, tasks);
            return;
        }
        List<ChannelBlock> blocks = blocks(plan);
        int chunks = plan.chunks();
        double[][][] ends = new double[blocks.size()][chunks][];
        double[][][] deltaSums = new double[blocks.size()][chunks][width];
        List<Runnable> pass1 = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            ChannelBlock block = blocks.get(i);
            for (int k = 0; k < chunks; k++) {
                int bi = i;
                int chunk = k;
                pass1.add(() -> {
                    double[] state = chunk == 0 ? pass.readState(block, buffers.initialState())
                            : new double[pass.stateSize()];
                    pass.worker().scan(block, plan.chunkStart(spec, chunk), plan.chunkEnd(spec, chunk), state, chunk == 0,
                            deltaSums[bi][chunk]);
                    ends[bi][chunk] = state;
                });
            }
        }
        ScanThreads.runAll(pool, pass1);
        List<Runnable> pass2 = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            ChannelBlock block = blocks.get(i);
            double[] start = ends[i][0].clone();
            for (int k = 1; k < chunks; k++) {
                double[] chunkStart = start.clone();
                int chunk = k;
                pass2.add(() -> {
                    pass.worker().scan(block, plan.chunkStart(spec, chunk), plan.chunkEnd(spec, chunk), chunkStart, true,
                            new double[width]);
                    if (chunk == chunks - 1) {
                        pass.writeState(block, chunkStart, buffers.lastState());
                    }
                });
                pass.chain(block, deltaSums[i][k], ends[i][k], start);
            }
        }
        ScanThreads.runAll(pool, pass2);
    }

    /**
     * Steps a channel-parallel forward task scans per block before moving to the unit's next
     * block: whole checkpoint intervals, about {@link #FORWARD_TILE_TARGET_STEPS}. Walking the
     * unit's blocks within a tile keeps the tile's rows of u, delta, z and y in cache and their
     * pages in the TLB; one block over the whole length strides a page per step per array.
     */
    private static int forwardTileSteps(ScanSpec spec) {
        int k = spec.checkpointInterval();
        return Math.max(1, FORWARD_TILE_TARGET_STEPS / k) * k;
    }

    /** 512 measured best of 128 to 1,024 (docs/benchmarks.md, time tiling of the forward). */
    private static final int FORWARD_TILE_TARGET_STEPS = 512;

    void backward(ScanSpec spec, ScanBackward buffers) {
        ScanBufferChecks.backward(spec, buffers);
        ScanPlan plan = plan(spec);
        BlockArithmetic.BackwardPass pass = arithmetic.backward(spec, buffers);
        int chunks = plan.chunks();
        List<ScanUnit> units = plan.units();
        int stepsTimesState = spec.length() * spec.state();
        double[][] dB = new double[units.size()][stepsTimesState];
        double[][] dC = new double[units.size()][stepsTimesState];
        ChannelGradients[][] gradients = new ChannelGradients[units.size()][chunks];
        // carries[u][k][block]: the carry entering chunk k from its end (k = chunks - 1: the last-state gradient).
        double[][][][] carries = new double[units.size()][chunks][][];
        double[][][][] deltaSums = new double[units.size()][chunks][][];
        List<Runnable> pass1 = new ArrayList<>();
        for (int ui = 0; ui < units.size(); ui++) {
            ScanUnit unit = units.get(ui);
            int u = ui;
            for (int k = 0; k < chunks; k++) {
                int chunk = k;
                gradients[u][chunk] = new ChannelGradients(unit.channel0(), unit.channels(), spec.state());
                pass1.add(() -> {
                    BlockArithmetic.BackwardWorker worker = pass.worker();
                    int n = unit.blocks().size();
                    double[][] carry = new double[n][];
                    if (chunk == chunks - 1) {
                        for (int i = 0; i < n; i++) {
                            carry[i] = pass.readState(unit.blocks().get(i), buffers.dLastState());
                        }
                        backwardChunk(spec, plan, worker, unit, chunk, carry, gradients[u][chunk], dB[u], dC[u]);
                        if (chunk == 0) {
                            writeInitialStateGradient(pass, unit, carry, buffers.dInitialState());
                        }
                    } else {
                        double[][] sums = new double[n][arithmetic.blockWidth()];
                        for (int i = 0; i < n; i++) {
                            carry[i] = new double[pass.stateSize()];
                            worker.carry(unit.blocks().get(i), plan.chunkStart(spec, chunk), plan.chunkEnd(spec, chunk),
                                    carry[i], sums[i]);
                        }
                        deltaSums[u][chunk] = sums;
                    }
                    carries[u][chunk] = carry;
                });
            }
        }
        ScanThreads.runAll(pool, pass1);
        if (chunks > 1) {
            List<Runnable> pass2 = new ArrayList<>();
            for (int ui = 0; ui < units.size(); ui++) {
                ScanUnit unit = units.get(ui);
                int u = ui;
                double[][] carry = carries[u][chunks - 1];
                for (int k = chunks - 2; k >= 0; k--) {
                    double[][] entering = deepCopy(carry);
                    int chunk = k;
                    pass2.add(() -> {
                        backwardChunk(spec, plan, pass.worker(), unit, chunk, entering, gradients[u][chunk], dB[u], dC[u]);
                        if (chunk == 0) {
                            writeInitialStateGradient(pass, unit, entering, buffers.dInitialState());
                        }
                    });
                    for (int i = 0; i < carry.length; i++) {
                        pass.chain(unit.blocks().get(i), deltaSums[u][k][i], carries[u][k][i], carry[i]);
                    }
                }
            }
            ScanThreads.runAll(pool, pass2);
        }
        writeGroupSums(spec, buffers, units, dB, dC);
        writeChannelGradients(spec, buffers, gradients);
    }

    /** Walks a chunk's checkpoint intervals from the last to the first, and within each the unit's blocks. */
    private static void backwardChunk(ScanSpec spec, ScanPlan plan, BlockArithmetic.BackwardWorker worker, ScanUnit unit,
                                      int chunk, double[][] carry, ChannelGradients gradients, double[] dB, double[] dC) {
        int k = spec.checkpointInterval();
        int first = plan.chunkStart(spec, chunk);
        for (int t1 = plan.chunkEnd(spec, chunk); t1 > first; ) {
            int t0 = (t1 - 1) / k * k;
            for (int i = 0; i < carry.length; i++) {
                worker.backward(unit.blocks().get(i), t0, t1, carry[i], gradients);
            }
            worker.flushGroupSums(t0, t1, dB, dC);
            t1 = t0;
        }
    }

    private static void writeInitialStateGradient(BlockArithmetic.Pass pass, ScanUnit unit, double[][] carry,
                                                  MemorySegment dInitialState) {
        if (dInitialState != null) {
            for (int i = 0; i < carry.length; i++) {
                pass.writeState(unit.blocks().get(i), carry[i], dInitialState);
            }
        }
    }

    /** dB, dC: the units of each (batch row, group) added in unit order. */
    private static void writeGroupSums(ScanSpec spec, ScanBackward buffers, List<ScanUnit> units, double[][] dB, double[][] dC) {
        int n = spec.state();
        int perRow = spec.length() * n;
        double[] sumB = new double[perRow];
        double[] sumC = new double[perRow];
        int from = 0;
        while (from < units.size()) {
            ChannelBlock head = units.get(from).first();
            int to = from;
            java.util.Arrays.fill(sumB, 0);
            java.util.Arrays.fill(sumC, 0);
            while (to < units.size() && units.get(to).first().batch() == head.batch()
                    && units.get(to).first().group() == head.group()) {
                for (int i = 0; i < perRow; i++) {
                    sumB[i] += dB[to][i];
                    sumC[i] += dC[to][i];
                }
                to++;
            }
            for (int t = 0; t < spec.length(); t++) {
                long out = (((long) head.batch() * spec.length() + t) * spec.groups() + head.group()) * n;
                for (int s = 0; s < n; s++) {
                    ElementAccess.set(buffers.type(), buffers.dB(), out + s, sumB[t * n + s]);
                    ElementAccess.set(buffers.type(), buffers.dC(), out + s, sumC[t * n + s]);
                }
            }
            from = to;
        }
    }

    /** dA, dD, d(delta_bias): the tasks' sums added in unit order, then chunk order. */
    private static void writeChannelGradients(ScanSpec spec, ScanBackward buffers, ChannelGradients[][] gradients) {
        int n = spec.state();
        double[] dA = new double[spec.channels() * n];
        double[] dD = new double[spec.channels()];
        double[] dBias = new double[spec.channels()];
        for (ChannelGradients[] unit : gradients) {
            for (ChannelGradients g : unit) {
                for (int i = 0; i < g.dD.length; i++) {
                    int c = g.channel0 + i;
                    dD[c] += g.dD[i];
                    dBias[c] += g.dDeltaBias[i];
                    for (int s = 0; s < n; s++) {
                        dA[c * n + s] += g.dA[i * n + s];
                    }
                }
            }
        }
        for (int i = 0; i < dA.length; i++) {
            ElementAccess.set(buffers.type(), buffers.dA(), i, dA[i]);
        }
        for (int c = 0; c < spec.channels(); c++) {
            if (buffers.dD() != null) {
                ElementAccess.set(buffers.type(), buffers.dD(), c, dD[c]);
            }
            if (buffers.dDeltaBias() != null) {
                ElementAccess.set(buffers.type(), buffers.dDeltaBias(), c, dBias[c]);
            }
        }
    }

    private static List<ChannelBlock> blocks(ScanPlan plan) {
        List<ChannelBlock> blocks = new ArrayList<>();
        for (ScanUnit unit : plan.units()) {
            blocks.addAll(unit.blocks());
        }
        return blocks;
    }

    private static double[][] deepCopy(double[][] states) {
        double[][] copy = new double[states.length][];
        for (int i = 0; i < states.length; i++) {
            copy[i] = states[i].clone();
        }
        return copy;
    }
}
