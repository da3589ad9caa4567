package org.ssm4j.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import org.ssm4j.kernels.ElementType;
import org.ssm4j.kernels.ScanBackward;
import org.ssm4j.kernels.ScanForward;
import org.ssm4j.kernels.ScanSpec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static jdk.incubator.vector.VectorOperators.EXP;
import static jdk.incubator.vector.VectorOperators.LOG1P;

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

    static FloatVector softplus(FloatVector x) {
        return x.max(0f).add(x.abs().neg().lanewise(EXP).lanewise(LOG1P));
    }

    static FloatVector sigmoid(FloatVector x) {
        return FloatVector.broadcast(SPECIES, 1f).div(x.neg().lanewise(EXP).add(1f));
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

        static VectorMask<Float> mask(ChannelBlock block) {
            return block.width() == LANES ? null : SPECIES.indexInRange(0, block.width());
        }

        static FloatVector load(MemorySegment segment, long index, VectorMask<Float> mask) {
            return mask == null ? FloatVector.fromMemorySegment(SPECIES, segment, index * Float.BYTES, ORDER)
                    : FloatVector.fromMemorySegment(SPECIES, segment, index * Float.BYTES, ORDER, mask);
        }

        static void store(FloatVector v, MemorySegment segment, long index, VectorMask<Float> mask) {
            if (mask == null) {
                v.intoMemorySegment(segment, index * Float.BYTES, ORDER);
            } else {
                v.intoMemorySegment(segment, index * Float.BYTES, ORDER, mask);
            }
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
            return spec.deltaSoftplus() ? softplus(input) : input;
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

        static void addLanes(FloatVector sum, double[] into) {
            for (int lane = 0; lane < LANES; lane++) {
                into[lane] += sum.lane(lane);
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
        public void scan(ChannelBlock block, int t0, int t1, double[] state, boolean writeOutputs, double[] deltaSum) {
            int n = spec.state();
            int k = spec.checkpointInterval();
            float[] h = toFloats(state);
            float[] a = aLaid[block.column()];
            VectorMask<Float> mask = mask(block);
            FloatVector bias = FloatVector.fromArray(SPECIES, biasLaid[block.column()], 0);
            FloatVector skip = FloatVector.fromArray(SPECIES, dLaid[block.column()], 0);
            FloatVector sum = FloatVector.zero(SPECIES);
            long step = spec.channels();
            long groupStep = (long) spec.groups() * n;
            long i = sequenceIndex(block, t0);
            long g = groupIndex(block, t0);
            for (int t = t0; t < t1; t++, i += step, g += groupStep) {
                if (writeOutputs && checkpoints != null && t % k == 0) {
                    writeCheckpoint(block, t / k, h);
                }
                FloatVector dt = deltaPrime(load(delta, i, mask).add(bias));
                sum = sum.add(dt);
                FloatVector ut = load(u, i, mask);
                FloatVector dtu = dt.mul(ut);
                FloatVector out = FloatVector.zero(SPECIES);
                for (int s = 0; s < n; s++) {
                    FloatVector at = dt.mul(FloatVector.fromArray(SPECIES, a, s * LANES)).lanewise(EXP);
                    FloatVector hs = at.fma(FloatVector.fromArray(SPECIES, h, s * LANES), dtu.mul(broadcast(b, g + s)));
                    hs.intoArray(h, s * LANES);
                    out = hs.fma(broadcast(c, g + s), out);
                }
                if (writeOutputs) {
                    out = skip.fma(ut, out);
                    if (spec.hasZ()) {
                        FloatVector zt = load(z, i, mask);
                        out = out.mul(zt).div(zt.neg().lanewise(EXP).add(1f));
                    }
                    store(out, y, i, mask);
                }
            }
            copyInto(h, state);
            addLanes(sum, deltaSum);
        }

        private void writeCheckpoint(ChannelBlock block, int j, float[] h) {
            int n = spec.state();
            long base = checkpointIndex(block, j);
            for (int lane = 0; lane < block.width(); lane++) {
                for (int s = 0; s < n; s++) {
                    checkpoints.setAtIndex(F32, base + (long) lane * n + s, h[s * LANES + lane]);
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

        private final class Worker implements BackwardWorker {
            private final int n = spec.state();
            private final int k = spec.checkpointInterval();
            private final int stateLanes = n * LANES;
            /** h before each step of the interval and after the last: (k + 1, state, lane). */
            private final float[] h = new float[(k + 1) * stateLanes];
            /** exp(delta' A) of each step: (k, state, lane). */
            private final float[] decay = new float[k * stateLanes];
            /** y before the gate and delta' of each step: (k, lane). */
            private final float[] yInner = new float[k * LANES];
            private final float[] deltaPrime = new float[k * LANES];
            /** The dB and dC terms of the interval's steps, summed over the unit's blocks by lane: (k, state, lane). */
            private final float[] sumB = new float[k * stateLanes];
            private final float[] sumC = new float[k * stateLanes];
            /** The carried gradient a_t G_t and the block's dA over the call: (state, lane). */
            private final float[] carried = new float[stateLanes];
            private final float[] dA = new float[stateLanes];

            @Override
            public void backward(ChannelBlock block, int t0, int t1, double[] carry, ChannelGradients gradients) {
                float[] a = aLaid[block.column()];
                VectorMask<Float> mask = mask(block);
                FloatVector bias = FloatVector.fromArray(SPECIES, biasLaid[block.column()], 0);
                FloatVector skip = FloatVector.fromArray(SPECIES, dLaid[block.column()], 0);
                long step = spec.channels();
                long groupStep = (long) spec.groups() * n;
                readLanes(block, checkpoints, checkpointIndex(block, t0 / k), h, 0);
                long i = sequenceIndex(block, t0);
                long g = groupIndex(block, t0);
                int steps = t1 - t0;
                for (int j = 0; j < steps; j++, i += step, g += groupStep) {
                    FloatVector dt = deltaPrime(load(delta, i, mask).add(bias));
                    dt.intoArray(deltaPrime, j * LANES);
                    FloatVector ut = load(u, i, mask);
                    FloatVector dtu = dt.mul(ut);
                    FloatVector out = FloatVector.zero(SPECIES);
                    int previous = j * stateLanes;
                    for (int s = 0; s < n; s++) {
                        int at = s * LANES;
                        FloatVector decayed = dt.mul(FloatVector.fromArray(SPECIES, a, at)).lanewise(EXP);
                        decayed.intoArray(decay, previous + at);
                        FloatVector hs = decayed.fma(FloatVector.fromArray(SPECIES, h, previous + at), dtu.mul(broadcast(b, g + s)));
                        hs.intoArray(h, previous + stateLanes + at);
                        out = hs.fma(broadcast(c, g + s), out);
                    }
                    skip.fma(ut, out).intoArray(yInner, j * LANES);
                }
                for (int x = 0; x < stateLanes; x++) {
                    carried[x] = (float) carry[x];
                    dA[x] = 0f;
                }
                FloatVector dD = FloatVector.zero(SPECIES);
                FloatVector dBias = FloatVector.zero(SPECIES);
                for (int j = steps - 1; j >= 0; j--) {
                    i -= step;
                    g -= groupStep;
                    FloatVector dt = FloatVector.fromArray(SPECIES, deltaPrime, j * LANES);
                    FloatVector ut = load(u, i, mask);
                    FloatVector dy = load(buffers.dy(), i, mask);
                    FloatVector grad = dy;
                    if (spec.hasZ()) {
                        FloatVector zt = load(z, i, mask);
                        FloatVector sig = sigmoid(zt);
                        grad = dy.mul(zt).mul(sig);
                        FloatVector yIn = FloatVector.fromArray(SPECIES, yInner, j * LANES);
                        FloatVector dSilu = sig.mul(zt.mul(sig.neg().add(1f)).add(1f));
                        store(dy.mul(yIn).mul(dSilu), buffers.dZ(), i, mask);
                    }
                    dD = grad.fma(ut, dD);
                    FloatVector dtu = dt.mul(ut);
                    FloatVector sumGB = FloatVector.zero(SPECIES);
                    FloatVector dDeltaPrime = FloatVector.zero(SPECIES);
                    int previous = j * stateLanes;
                    int current = previous + stateLanes;
                    for (int s = 0; s < n; s++) {
                        int at = s * LANES;
                        FloatVector gs = broadcast(c, g + s).fma(grad, FloatVector.fromArray(SPECIES, carried, at));
                        FloatVector decayed = FloatVector.fromArray(SPECIES, decay, previous + at);
                        FloatVector decayedPrevious = decayed.mul(FloatVector.fromArray(SPECIES, h, previous + at));
                        grad.fma(FloatVector.fromArray(SPECIES, h, current + at), FloatVector.fromArray(SPECIES, sumC, previous + at))
                                .intoArray(sumC, previous + at);
                        gs.fma(dtu, FloatVector.fromArray(SPECIES, sumB, previous + at)).intoArray(sumB, previous + at);
                        sumGB = gs.fma(broadcast(b, g + s), sumGB);
                        FloatVector gdp = gs.mul(decayedPrevious);
                        dDeltaPrime = gdp.fma(FloatVector.fromArray(SPECIES, a, at), dDeltaPrime);
                        gdp.fma(dt, FloatVector.fromArray(SPECIES, dA, at)).intoArray(dA, at);
                        decayed.mul(gs).intoArray(carried, at);
                    }
                    FloatVector du = dt.fma(sumGB, grad.mul(skip));
                    dDeltaPrime = ut.fma(sumGB, dDeltaPrime);
                    FloatVector dDelta = spec.deltaSoftplus()
                            ? dDeltaPrime.mul(sigmoid(load(delta, i, mask).add(bias))) : dDeltaPrime;
                    dBias = dBias.add(dDelta);
                    store(du, buffers.du(), i, mask);
                    store(dDelta, buffers.dDelta(), i, mask);
                }
                copyInto(carried, carry);
                int local = block.channel0() - gradients.channel0;
                for (int lane = 0; lane < block.width(); lane++) {
                    gradients.dD[local + lane] += dD.lane(lane);
                    gradients.dDeltaBias[local + lane] += dBias.lane(lane);
                    for (int s = 0; s < n; s++) {
                        gradients.dA[(local + lane) * n + s] += dA[s * LANES + lane];
                    }
                }
            }

            @Override
            public void carry(ChannelBlock block, int t0, int t1, double[] carry, double[] deltaSum) {
                float[] a = aLaid[block.column()];
                VectorMask<Float> mask = mask(block);
                FloatVector bias = FloatVector.fromArray(SPECIES, biasLaid[block.column()], 0);
                FloatVector sum = FloatVector.zero(SPECIES);
                for (int x = 0; x < stateLanes; x++) {
                    carried[x] = (float) carry[x];
                }
                long step = spec.channels();
                long groupStep = (long) spec.groups() * n;
                long i = sequenceIndex(block, t1 - 1);
                long g = groupIndex(block, t1 - 1);
                for (int t = t1 - 1; t >= t0; t--, i -= step, g -= groupStep) {
                    FloatVector dt = deltaPrime(load(delta, i, mask).add(bias));
                    sum = sum.add(dt);
                    FloatVector grad = load(buffers.dy(), i, mask);
                    if (spec.hasZ()) {
                        FloatVector zt = load(z, i, mask);
                        grad = grad.mul(zt).mul(sigmoid(zt));
                    }
                    for (int s = 0; s < n; s++) {
                        int at = s * LANES;
                        FloatVector gs = broadcast(c, g + s).fma(grad, FloatVector.fromArray(SPECIES, carried, at));
                        dt.mul(FloatVector.fromArray(SPECIES, a, at)).lanewise(EXP).mul(gs).intoArray(carried, at);
                    }
                }
                copyInto(carried, carry);
                addLanes(sum, deltaSum);
            }

            @Override
            public void flushGroupSums(int t0, int t1, double[] dB, double[] dC) {
                for (int j = 0; j < t1 - t0; j++) {
                    for (int s = 0; s < n; s++) {
                        int at = j * stateLanes + s * LANES;
                        double sb = 0;
                        double sc = 0;
                        for (int lane = 0; lane < LANES; lane++) {
                            sb += sumB[at + lane];
                            sc += sumC[at + lane];
                            sumB[at + lane] = 0f;
                            sumC[at + lane] = 0f;
                        }
                        dB[(t0 + j) * n + s] += sb;
                        dC[(t0 + j) * n + s] += sc;
                    }
                }
            }
        }
    }
}
