package org.ssm4j.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.ssm4j.kernels.ElementType;
import org.ssm4j.kernels.ScanBackward;
import org.ssm4j.kernels.ScanForward;
import org.ssm4j.kernels.ScanSpec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The scan's arithmetic on FLOAT32 buffers with the Vector API: a block is one vector of
 * neighbouring channels ({@link #LANES} of them, channels-last makes them one load); every
 * state n is one vector, updated with one {@code exp}, one multiply and two FMAs per step.
 * A block narrower than a vector (the last one of a group) uses masked loads and stores; its
 * unused lanes read zeros and A = 0, so they stay exactly zero and add nothing to the sums
 * over channels.
 *
 * <p>A block state is {@code state × LANES} doubles, state-major: element
 * {@code s * LANES + lane} is channel {@code channel0 + lane}, state {@code s}.
 */
final class VectorBlockArithmetic implements BlockArithmetic {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** Channels per vector. */
    static final int LANES = SPECIES.length();

    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Override
    public int blockWidth() {
        return LANES;
    }

    @Override
    public ForwardPass forward(ScanSpec spec, ScanForward f) {
        return new Forward(spec, f);
    }

    @Override
    public BackwardPass backward(ScanSpec spec, ScanBackward b) {
        return new Backward(spec, b);
    }

    private static final FloatVector ZERO = FloatVector.zero(SPECIES);
    /** Level k of {@link #sumRows}: lane i takes lane {@code i ^ 2^k}, and the lanes whose bit k is set. */
    private static final List<VectorShuffle<Float>> PARTNER = new ArrayList<>();
    private static final List<VectorMask<Float>> UPPER = new ArrayList<>();

    static {
        for (int d = 1; d < LANES; d <<= 1) {
            int distance = d;
            PARTNER.add(VectorShuffle.fromOp(SPECIES, i -> i ^ distance));
            boolean[] upper = new boolean[LANES];
            for (int i = 0; i < LANES; i++) {
                upper[i] = (i & distance) != 0;
            }
            UPPER.add(VectorMask.fromArray(SPECIES, upper, 0));
        }
    }

    /**
     * Sums each of {@code rows} (at most {@link #LANES}) consecutive rows of {@code LANES}
     * floats over its lanes, leaving the sum of row r in lane r of the first row (the other
     * rows are overwritten). A pairwise tree of shuffles and adds, the same on every run and
     * in every JIT tier (unlike {@code reduceLanes}, whose order is unspecified).
     */
    static void sumRows(float[] a, int offset, int rows) {
        for (int level = 0, d = 1; d < LANES; level++, d <<= 1) {
            VectorShuffle<Float> partner = PARTNER.get(level);
            VectorMask<Float> upper = UPPER.get(level);
            for (int r = 0; r < rows; r += 2 * d) {
                FloatVector low = FloatVector.fromArray(SPECIES, a, offset + r * LANES);
                FloatVector high = r + d < rows ? FloatVector.fromArray(SPECIES, a, offset + (r + d) * LANES) : ZERO;
                low.add(low.rearrange(partner)).blend(high.add(high.rearrange(partner)), upper)
                        .intoArray(a, offset + r * LANES);
            }
        }
    }

    /** What both passes read: the inputs and the per-block vectors of A, D and delta_bias. */
    private abstract static class Inputs implements Pass {
        final ScanSpec spec;
        final MemorySegment u;
        final MemorySegment delta;
        final MemorySegment b;
        final MemorySegment c;
        final MemorySegment z;
        final MemorySegment checkpoints;
        /** Per block column: A laid out (state, lane), zeros in unused lanes. */
        final float[][] aLaid;
        /** Per block column: D and delta_bias by lane, zeros when absent. */
        final float[][] dLaid;
        final float[][] biasLaid;

        Inputs(ScanSpec spec, ElementType type, MemorySegment u, MemorySegment delta, MemorySegment a,
               MemorySegment b, MemorySegment c, MemorySegment d, MemorySegment z, MemorySegment deltaBias,
               MemorySegment checkpoints) {
            if (type != ElementType.FLOAT32) {
                throw new IllegalArgumentException("the Vector API scan kernel takes FLOAT32 buffers, got " + type);
            }
            this.spec = spec;
            this.u = u;
            this.delta = delta;
            this.b = b;
            this.c = c;
            this.z = z;
            this.checkpoints = checkpoints;
            int columns = ScanPlan.columns(spec, LANES);
            int n = spec.state();
            aLaid = new float[columns][n * LANES];
            dLaid = new float[columns][LANES];
            biasLaid = new float[columns][LANES];
            int perGroup = spec.channelsPerGroup();
            int column = 0;
            for (int g = 0; g < spec.groups(); g++) {
                for (int c0 = g * perGroup; c0 < (g + 1) * perGroup; c0 += LANES, column++) {
                    int width = Math.min(LANES, (g + 1) * perGroup - c0);
                    for (int lane = 0; lane < width; lane++) {
                        int ch = c0 + lane;
                        for (int s = 0; s < n; s++) {
                            aLaid[column][s * LANES + lane] = a.getAtIndex(F32, (long) ch * n + s);
                        }
                        dLaid[column][lane] = d == null ? 0f : d.getAtIndex(F32, ch);
                        biasLaid[column][lane] = deltaBias == null ? 0f : deltaBias.getAtIndex(F32, ch);
                    }
                }
            }
        }

        @Override
        public int stateSize() {
            return spec.state() * LANES;
        }

        /** The block's lanes (all of them but in a group's last block). */
        static VectorMask<Float> mask(ChannelBlock block) {
            return SPECIES.indexInRange(0, block.width());
        }

        // Loads and stores are always masked: one code path keeps the loops within C2's
        // inlining budget, and with AVX-512 a masked access costs the same as a plain one.
        static FloatVector load(MemorySegment segment, long index, VectorMask<Float> mask) {
            return FloatVector.fromMemorySegment(SPECIES, segment, index * Float.BYTES, ORDER, mask);
        }

        static void store(FloatVector v, MemorySegment segment, long index, VectorMask<Float> mask) {
            v.intoMemorySegment(segment, index * Float.BYTES, ORDER, mask);
        }

        static FloatVector broadcast(MemorySegment segment, long index) {
            return FloatVector.broadcast(SPECIES, segment.getAtIndex(F32, index));
        }

        long sequenceIndex(ChannelBlock block, int t) {
            return ((long) block.batch() * spec.length() + t) * spec.channels() + block.channel0();
        }

        long groupIndex(ChannelBlock block, int t) {
            return (((long) block.batch() * spec.length() + t) * spec.groups() + block.group()) * spec.state();
        }

        long checkpointIndex(ChannelBlock block, int j) {
            return (((long) block.batch() * spec.checkpoints() + j) * spec.channels() + block.channel0()) * spec.state();
        }

        /** delta' from delta + delta_bias. */
        FloatVector deltaPrime(FloatVector input) {
            return spec.deltaSoftplus() ? VectorMath.softplus(input) : input;
        }

        /** A block's states from a (batch, channels, state) FLOAT32 tensor laid out (state, lane) as floats. */
        void readLanes(ChannelBlock block, MemorySegment states, long base, float[] into, int offset) {
            int n = spec.state();
            for (int s = 0; s < n; s++) {
                for (int lane = 0; lane < LANES; lane++) {
                    into[offset + s * LANES + lane] = lane < block.width()
                            ? states.getAtIndex(F32, base + (long) lane * n + s) : 0f;
                }
            }
        }

        @Override
        public double[] readState(ChannelBlock block, MemorySegment states) {
            double[] state = new double[stateSize()];
            if (states != null) {
                int n = spec.state();
                long base = ((long) block.batch() * spec.channels() + block.channel0()) * n;
                for (int s = 0; s < n; s++) {
                    for (int lane = 0; lane < block.width(); lane++) {
                        state[s * LANES + lane] = states.getAtIndex(F32, base + (long) lane * n + s);
                    }
                }
            }
            return state;
        }

        @Override
        public void writeState(ChannelBlock block, double[] state, MemorySegment states) {
            int n = spec.state();
            long base = ((long) block.batch() * spec.channels() + block.channel0()) * n;
            for (int s = 0; s < n; s++) {
                for (int lane = 0; lane < block.width(); lane++) {
                    states.setAtIndex(F32, base + (long) lane * n + s, (float) state[s * LANES + lane]);
                }
            }
        }

        @Override
        public void chain(ChannelBlock block, double[] deltaSum, double[] local, double[] state) {
            float[] a = aLaid[block.column()];
            for (int i = 0; i < state.length; i++) {
                state[i] = Math.exp(a[i] * deltaSum[i % LANES]) * state[i] + local[i];
            }
        }

        static float[] toFloats(double[] values) {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            return f;
        }

        static void copyInto(float[] values, double[] into) {
            for (int i = 0; i < into.length; i++) {
                into[i] = values[i];
            }
        }

            /**
         * delta' of steps {@code [t0, t0 + steps)} into {@code deltaPrime} (step, lane) and, unless
         * null, {@code delta' u} into {@code input} and the sum of the delta's into {@code sum} (lane).
         *
         * <p>The recurrences then read their per-step inputs from these small buffers: a loop
         * whose steps are independent keeps many loads from memory in flight, where the
         * recurrence, one long dependency chain, would wait for each (channels-last rows of a
         * long sequence are a page apart, beyond the hardware prefetchers).
         */
        void deltaPrimes(ChannelBlock block, int t0, int steps, float[] deltaPrime, float[] input, float[] sum) {
            VectorMask<Float> mask = mask(block);
            FloatVector bias = FloatVector.fromArray(SPECIES, biasLaid[block.column()], 0);
            long i = sequenceIndex(block, t0);
            for (int j = 0; j < steps; j++, i += spec.channels()) {
                FloatVector dt = deltaPrime(load(delta, i, mask).add(bias));
                dt.intoArray(deltaPrime, j * LANES);
                if (input != null) {
                    dt.mul(load(u, i, mask)).intoArray(input, j * LANES);
                }
            }
            if (sum != null) {
                FloatVector total = FloatVector.fromArray(SPECIES, sum, 0);
                for (int j = 0; j < steps; j++) {
                    total = total.add(FloatVector.fromArray(SPECIES, deltaPrime, j * LANES));
                }
                total.intoArray(sum, 0);
            }
        }
    }

    private static final class Forward extends Inputs implements ForwardPass {
        private final MemorySegment y;

        Forward(ScanSpec spec, ScanForward f) {
            super(spec, f.type(), f.u(), f.delta(), f.a(), f.b(), f.c(), f.d(), f.z(), f.deltaBias(), f.checkpoints());
            this.y = f.y();
        }

        @Override
        public ForwardWorker worker() {
            return new Worker();
        }

        /**
         * Scans tiles of steps that end at checkpoints: delta' first, then the recurrence and y.
         *
         * <p>On the methods' shapes: C2 inlines a hot callee of up to 325 bytes of bytecode, and
         * stops inlining once a compilation holds about 18,000 nodes; a Vector API call it does
         * not inline boxes every vector (ten times slower). So every method whose loops are
         * vector code either is small enough to be inlined whole into a caller that inlines
         * nothing else heavy, or holds its loops itself and is larger than 325 bytes, which
         * C2 compiles on its own: here {@link #scanTile} holds the recurrence and the y loop.
         */
        private final class Worker implements ForwardWorker {
            private final int n = spec.state();
            private final int tileSteps = Math.min(spec.checkpointInterval(), 64);
            private final float[] h = new float[n * LANES];
            /** delta', delta' u and the recurrence's part of y of the tile's steps: (step, lane). */
            private final float[] deltaPrime = new float[tileSteps * LANES];
            private final float[] input = new float[tileSteps * LANES];
            private final float[] yState = new float[tileSteps * LANES];
            private final float[] sum = new float[LANES];

            @Override
            public void scan(ChannelBlock block, int t0, int t1, double[] state, boolean writeOutputs, double[] deltaSum) {
                int k = spec.checkpointInterval();
                for (int x = 0; x < h.length; x++) {
                    h[x] = (float) state[x];
                }
                java.util.Arrays.fill(sum, 0f);
                for (int t = t0; t < t1; ) {
                    if (writeOutputs && checkpoints != null && t % k == 0) {
                        writeCheckpoint(block, t / k);
                    }
                    int steps = Math.min(Math.min(t1, (t / k + 1) * k) - t, tileSteps);
                    deltaPrimes(block, t, steps, deltaPrime, input, sum);
                    scanTile(block, t, steps, writeOutputs);
                    t += steps;
                }
                copyInto(h, state);
                for (int lane = 0; lane < LANES; lane++) {
                    deltaSum[lane] += sum[lane];
                }
            }

            /** h over the steps (the sum over states of h C of each step into yState), then y = (yState + D u) silu(z). */
            private void scanTile(ChannelBlock block, int t0, int steps, boolean writeOutputs) {
                float[] a = aLaid[block.column()];
                long g = groupIndex(block, t0);
                long groupStep = (long) spec.groups() * n;
                for (int j = 0; j < steps; j++, g += groupStep) {
                    FloatVector dt = FloatVector.fromArray(SPECIES, deltaPrime, j * LANES);
                    FloatVector dtu = FloatVector.fromArray(SPECIES, input, j * LANES);
                    FloatVector out = FloatVector.zero(SPECIES);
                    for (int s = 0; s < n; s++) {
                        int at = s * LANES;
                        FloatVector decayed = VectorMath.exp(dt.mul(FloatVector.fromArray(SPECIES, a, at)));
                        FloatVector hs = decayed.fma(FloatVector.fromArray(SPECIES, h, at), dtu.mul(broadcast(b, g + s)));
                        hs.intoArray(h, at);
                        out = hs.fma(broadcast(c, g + s), out);
                    }
                    out.intoArray(yState, j * LANES);
                }
                if (!writeOutputs) {
                    return;
                }
                VectorMask<Float> mask = mask(block);
                FloatVector skip = FloatVector.fromArray(SPECIES, dLaid[block.column()], 0);
                long i = sequenceIndex(block, t0);
                for (int j = 0; j < steps; j++, i += spec.channels()) {
                    FloatVector out = skip.fma(load(u, i, mask), FloatVector.fromArray(SPECIES, yState, j * LANES));
                    if (spec.hasZ()) {
                        FloatVector zt = load(z, i, mask);
                        out = out.mul(zt).mul(VectorMath.sigmoid(zt));
                    }
                    store(out, y, i, mask);
                }
            }

            private void writeCheckpoint(ChannelBlock block, int j) {
                long base = checkpointIndex(block, j);
                for (int lane = 0; lane < block.width(); lane++) {
                    for (int s = 0; s < n; s++) {
                        checkpoints.setAtIndex(F32, base + (long) lane * n + s, h[s * LANES + lane]);
                    }
                }
            }
        }
    }

    private static final class Backward extends Inputs implements BackwardPass {
        private final ScanBackward buffers;

        Backward(ScanSpec spec, ScanBackward g) {
            super(spec, g.type(), g.u(), g.delta(), g.a(), g.b(), g.c(), g.d(), g.z(), g.deltaBias(), g.checkpoints());
            this.buffers = g;
        }

        @Override
        public BackwardWorker worker() {
            return new Worker();
        }

        /**
         * The backward pass of one checkpoint interval in five loops (in methods shaped as the
         * forward worker explains: the three with a loop over the states are larger than C2
         * inlines): delta'; the recurrence again from the checkpoint, recording h and the
         * decays; the gate's gradient; the reverse walk; the softplus' gradient.
         */
        private final class Worker implements BackwardWorker {
            private final int n = spec.state();
            private final int k = spec.checkpointInterval();
            private final int stateLanes = n * LANES;
            /** Steps the buffers hold: one checkpoint interval, or the whole sequence if shorter. */
            private final int window = Math.min(k, spec.length());
            /** h before each step of the interval and after the last: (k + 1, state, lane). */
            private final float[] h = new float[(window + 1) * stateLanes];
            /** exp(delta' A) of each step: (k, state, lane). */
            private final float[] decay = new float[window * stateLanes];
            /** Per step (step, lane): delta'; the recurrence's part of y; dy silu(z); d delta'. */
            private final float[] deltaPrime = new float[window * LANES];
            private final float[] yState = new float[window * LANES];
            private final float[] gated = new float[window * LANES];
            private final float[] dDeltaPrime = new float[window * LANES];
            /** The dB and dC terms of the interval's steps, summed over the unit's blocks by lane: (k, state, lane). */
            private final float[] sumB = new float[window * stateLanes];
            private final float[] sumC = new float[window * stateLanes];
            /** The carried gradient a_t G_t and the block's dA over the interval: (state, lane). */
            private final float[] carried = new float[stateLanes];
            private final float[] dA = new float[stateLanes];
            /** The block's dD, d(delta_bias) over the interval, and the delta' sum of a carry() call: (lane). */
            private final float[] dD = new float[LANES];
            private final float[] dBias = new float[LANES];
            private final float[] deltaSumLanes = new float[LANES];

            @Override
            public void backward(ChannelBlock block, int t0, int t1, double[] carry, ChannelGradients gradients) {
                int steps = t1 - t0;
                deltaPrimes(block, t0, steps, deltaPrime, null, null);
                record(block, t0, steps);
                gate(block, t0, steps);
                for (int x = 0; x < stateLanes; x++) {
                    carried[x] = (float) carry[x];
                }
                java.util.Arrays.fill(dA, 0f);
                reverse(block, t0, steps);
                softplusGradient(block, t0, steps);
                copyInto(carried, carry);
                int local = block.channel0() - gradients.channel0;
                for (int lane = 0; lane < block.width(); lane++) {
                    gradients.dD[local + lane] += dD[lane];
                    gradients.dDeltaBias[local + lane] += dBias[lane];
                    for (int s = 0; s < n; s++) {
                        gradients.dA[(local + lane) * n + s] += dA[s * LANES + lane];
                    }
                }
            }

            /** The recurrence from the interval's checkpoint, recording every h and decay, and yState. */
            private void record(ChannelBlock block, int t0, int steps) {
                readLanes(block, checkpoints, checkpointIndex(block, t0 / k), h, 0);
                float[] a = aLaid[block.column()];
                VectorMask<Float> mask = mask(block);
                long i = sequenceIndex(block, t0);
                long g = groupIndex(block, t0);
                long groupStep = (long) spec.groups() * n;
                for (int j = 0; j < steps; j++, i += spec.channels(), g += groupStep) {
                    FloatVector dt = FloatVector.fromArray(SPECIES, deltaPrime, j * LANES);
                    FloatVector dtu = dt.mul(load(u, i, mask));
                    FloatVector out = FloatVector.zero(SPECIES);
                    int previous = j * stateLanes;
                    for (int s = 0; s < n; s++) {
                        int at = s * LANES;
                        FloatVector decayed = VectorMath.exp(dt.mul(FloatVector.fromArray(SPECIES, a, at)));
                        decayed.intoArray(decay, previous + at);
                        FloatVector hs = decayed.fma(FloatVector.fromArray(SPECIES, h, previous + at), dtu.mul(broadcast(b, g + s)));
                        hs.intoArray(h, previous + stateLanes + at);
                        out = hs.fma(broadcast(c, g + s), out);
                    }
                    out.intoArray(yState, j * LANES);
                }
            }

            /** gated = dy silu(z) (or dy), dz = dy (yState + D u) silu'(z), and the sum of dD = gated u. */
            private void gate(ChannelBlock block, int t0, int steps) {
                VectorMask<Float> mask = mask(block);
                FloatVector skip = FloatVector.fromArray(SPECIES, dLaid[block.column()], 0);
                FloatVector sumD = FloatVector.zero(SPECIES);
                long i = sequenceIndex(block, t0);
                for (int j = 0; j < steps; j++, i += spec.channels()) {
                    FloatVector ut = load(u, i, mask);
                    FloatVector grad = load(buffers.dy(), i, mask);
                    if (spec.hasZ()) {
                        FloatVector zt = load(z, i, mask);
                        FloatVector sig = VectorMath.sigmoid(zt);
                        FloatVector yIn = skip.fma(ut, FloatVector.fromArray(SPECIES, yState, j * LANES));
                        FloatVector dSilu = sig.mul(zt.mul(sig.neg().add(1f)).add(1f));
                        store(grad.mul(yIn).mul(dSilu), buffers.dZ(), i, mask);
                        grad = grad.mul(zt).mul(sig);
                    }
                    grad.intoArray(gated, j * LANES);
                    sumD = grad.fma(ut, sumD);
                }
                sumD.intoArray(dD, 0);
            }

            /** G_t = C_t gated_t + a_{t+1} G_{t+1} backwards; du, d delta', dA and the dB, dC terms. */
            private void reverse(ChannelBlock block, int t0, int steps) {
                float[] a = aLaid[block.column()];
                VectorMask<Float> mask = mask(block);
                FloatVector skip = FloatVector.fromArray(SPECIES, dLaid[block.column()], 0);
                long groupStep = (long) spec.groups() * n;
                long i = sequenceIndex(block, t0 + steps - 1);
                long g = groupIndex(block, t0 + steps - 1);
                for (int j = steps - 1; j >= 0; j--, i -= spec.channels(), g -= groupStep) {
                    FloatVector dt = FloatVector.fromArray(SPECIES, deltaPrime, j * LANES);
                    FloatVector grad = FloatVector.fromArray(SPECIES, gated, j * LANES);
                    FloatVector ut = load(u, i, mask);
                    FloatVector dtu = dt.mul(ut);
                    FloatVector sumGB = FloatVector.zero(SPECIES);
                    FloatVector dDp = FloatVector.zero(SPECIES);
                    int previous = j * stateLanes;
                    int current = previous + stateLanes;
                    for (int s = 0; s < n; s++) {
                        int at = s * LANES;
                        FloatVector gs = broadcast(c, g + s).fma(grad, FloatVector.fromArray(SPECIES, carried, at));
                        FloatVector decayed = FloatVector.fromArray(SPECIES, decay, previous + at);
                        FloatVector gdp = gs.mul(decayed.mul(FloatVector.fromArray(SPECIES, h, previous + at)));
                        grad.fma(FloatVector.fromArray(SPECIES, h, current + at), FloatVector.fromArray(SPECIES, sumC, previous + at))
                                .intoArray(sumC, previous + at);
                        gs.fma(dtu, FloatVector.fromArray(SPECIES, sumB, previous + at)).intoArray(sumB, previous + at);
                        sumGB = gs.fma(broadcast(b, g + s), sumGB);
                        dDp = gdp.fma(FloatVector.fromArray(SPECIES, a, at), dDp);
                        gdp.fma(dt, FloatVector.fromArray(SPECIES, dA, at)).intoArray(dA, at);
                        decayed.mul(gs).intoArray(carried, at);
                    }
                    store(dt.fma(sumGB, grad.mul(skip)), buffers.du(), i, mask);
                    ut.fma(sumGB, dDp).intoArray(dDeltaPrime, j * LANES);
                }
            }

            /** ddelta = d delta' sigmoid(delta + bias) with softplus (else d delta'), and its sum for d(delta_bias). */
            private void softplusGradient(ChannelBlock block, int t0, int steps) {
                VectorMask<Float> mask = mask(block);
                FloatVector bias = FloatVector.fromArray(SPECIES, biasLaid[block.column()], 0);
                FloatVector sum = FloatVector.zero(SPECIES);
                long i = sequenceIndex(block, t0);
                for (int j = 0; j < steps; j++, i += spec.channels()) {
                    FloatVector dDelta = FloatVector.fromArray(SPECIES, dDeltaPrime, j * LANES);
                    if (spec.deltaSoftplus()) {
                        dDelta = dDelta.mul(VectorMath.sigmoid(load(delta, i, mask).add(bias)));
                    }
                    store(dDelta, buffers.dDelta(), i, mask);
                    sum = sum.add(dDelta);
                }
                sum.intoArray(dBias, 0);
            }

            @Override
            public void carry(ChannelBlock block, int t0, int t1, double[] carry, double[] deltaSum) {
                for (int x = 0; x < stateLanes; x++) {
                    carried[x] = (float) carry[x];
                }
                java.util.Arrays.fill(deltaSumLanes, 0f);
                for (int end = t1; end > t0; ) {
                    int start = Math.max(t0, end - k);
                    deltaPrimes(block, start, end - start, deltaPrime, null, deltaSumLanes);
                    carrySteps(block, start, end - start);
                    end = start;
                }
                copyInto(carried, carry);
                for (int lane = 0; lane < LANES; lane++) {
                    deltaSum[lane] += deltaSumLanes[lane];
                }
            }

            /**
             * gated = dy silu(z) (or dy) of the steps, then the carried gradient backwards over
             * them: carried = a_t (C_t gated_t + carried). (Two loops in one method: see the
             * forward worker.)
             */
            private void carrySteps(ChannelBlock block, int t0, int steps) {
                VectorMask<Float> mask = mask(block);
                long i = sequenceIndex(block, t0);
                for (int j = 0; j < steps; j++, i += spec.channels()) {
                    FloatVector grad = load(buffers.dy(), i, mask);
                    if (spec.hasZ()) {
                        FloatVector zt = load(z, i, mask);
                        grad = grad.mul(zt).mul(VectorMath.sigmoid(zt));
                    }
                    grad.intoArray(gated, j * LANES);
                }
                float[] a = aLaid[block.column()];
                long groupStep = (long) spec.groups() * n;
                long g = groupIndex(block, t0 + steps - 1);
                for (int j = steps - 1; j >= 0; j--, g -= groupStep) {
                    FloatVector dt = FloatVector.fromArray(SPECIES, deltaPrime, j * LANES);
                    FloatVector grad = FloatVector.fromArray(SPECIES, gated, j * LANES);
                    for (int s = 0; s < n; s++) {
                        int at = s * LANES;
                        FloatVector gs = broadcast(c, g + s).fma(grad, FloatVector.fromArray(SPECIES, carried, at));
                        VectorMath.exp(dt.mul(FloatVector.fromArray(SPECIES, a, at))).mul(gs).intoArray(carried, at);
                    }
                }
            }

            @Override
            public void flushGroupSums(int t0, int t1, double[] dB, double[] dC) {
                for (int j = 0; j < t1 - t0; j++) {
                    for (int s0 = 0; s0 < n; s0 += LANES) {
                        int rows = Math.min(LANES, n - s0);
                        int at = j * stateLanes + s0 * LANES;
                        sumRows(sumB, at, rows);
                        sumRows(sumC, at, rows);
                        for (int r = 0; r < rows; r++) {
                            dB[(t0 + j) * n + s0 + r] += sumB[at + r];
                            dC[(t0 + j) * n + s0 + r] += sumC[at + r];
                        }
                        for (int r = 0; r < rows; r++) {
                            ZERO.intoArray(sumB, at + r * LANES);
                            ZERO.intoArray(sumC, at + r * LANES);
                        }
                    }
                }
            }
        }
    }
}
