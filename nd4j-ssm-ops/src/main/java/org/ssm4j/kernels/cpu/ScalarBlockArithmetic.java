package org.ssm4j.kernels.cpu;

import org.ssm4j.kernels.ElementType;
import org.ssm4j.kernels.ScanBackward;
import org.ssm4j.kernels.ScanForward;
import org.ssm4j.kernels.ScanSpec;

import java.lang.foreign.MemorySegment;

/**
 * The scan's arithmetic one channel at a time in {@code double}, on FLOAT64 or FLOAT32
 * buffers: the reference the other kernels are checked against, written to be read. A block
 * is one channel; its state is {@code state} doubles.
 */
final class ScalarBlockArithmetic implements BlockArithmetic {

    @Override
    public int blockWidth() {
        return 1;
    }

    @Override
    public ForwardPass forward(ScanSpec spec, ScanForward f) {
        return new Forward(spec, f);
    }

    @Override
    public BackwardPass backward(ScanSpec spec, ScanBackward b) {
        return new Backward(spec, b);
    }

    static double softplus(double x) {
        return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** What both passes read: the inputs, A and the per-channel parameters. */
    private abstract static class Inputs implements Pass {
        final ScanSpec spec;
        final ElementType type;
        final MemorySegment u;
        final MemorySegment delta;
        final MemorySegment b;
        final MemorySegment c;
        final MemorySegment z;
        final MemorySegment checkpoints;
        /** (channels, state). */
        final double[] a;
        /** (channels); zeros when absent. */
        final double[] d;
        final double[] deltaBias;

        Inputs(ScanSpec spec, ElementType type, MemorySegment u, MemorySegment delta,
               MemorySegment a, MemorySegment b, MemorySegment c, MemorySegment d, MemorySegment z,
               MemorySegment deltaBias, MemorySegment checkpoints) {
            this.spec = spec;
            this.type = type;
            this.u = u;
            this.delta = delta;
            this.b = b;
            this.c = c;
            this.z = z;
            this.checkpoints = checkpoints;
            this.a = read(a, spec.channels() * spec.state());
            this.d = read(d, spec.channels());
            this.deltaBias = read(deltaBias, spec.channels());
        }

        private double[] read(MemorySegment segment, int count) {
            double[] values = new double[count];
            for (int i = 0; segment != null && i < count; i++) {
                values[i] = ElementAccess.get(type, segment, i);
            }
            return values;
        }

        @Override
        public int stateSize() {
            return spec.state();
        }

        /** Element index of (batch, step, channel) in u, delta, z, y and their gradients. */
        long sequenceIndex(ChannelBlock block, int t) {
            return ((long) block.batch() * spec.length() + t) * spec.channels() + block.channel0();
        }

        /** Element index of state 0 of (batch, step, group) in B and C. */
        long groupIndex(ChannelBlock block, int t) {
            return (((long) block.batch() * spec.length() + t) * spec.groups() + block.group()) * spec.state();
        }

        /** Element index of state 0 of a block's channel in checkpoint {@code j}. */
        long checkpointIndex(ChannelBlock block, int j) {
            return (((long) block.batch() * spec.checkpoints() + j) * spec.channels() + block.channel0()) * spec.state();
        }

        /** delta + delta_bias, the softplus argument. */
        double deltaInput(ChannelBlock block, long index) {
            return ElementAccess.get(type, delta, index) + deltaBias[block.channel0()];
        }

        double deltaPrime(double input) {
            return spec.deltaSoftplus() ? softplus(input) : input;
        }

        @Override
        public double[] readState(ChannelBlock block, MemorySegment states) {
            double[] state = new double[spec.state()];
            long base = ((long) block.batch() * spec.channels() + block.channel0()) * spec.state();
            for (int n = 0; states != null && n < state.length; n++) {
                state[n] = ElementAccess.get(type, states, base + n);
            }
            return state;
        }

        @Override
        public void writeState(ChannelBlock block, double[] state, MemorySegment states) {
            long base = ((long) block.batch() * spec.channels() + block.channel0()) * spec.state();
            for (int n = 0; n < state.length; n++) {
                ElementAccess.set(type, states, base + n, state[n]);
            }
        }

        @Override
        public void chain(ChannelBlock block, double[] deltaSum, double[] local, double[] state) {
            int row = block.channel0() * spec.state();
            for (int n = 0; n < state.length; n++) {
                state[n] = Math.exp(a[row + n] * deltaSum[0]) * state[n] + local[n];
            }
        }
    }

    private static final class Forward extends Inputs implements ForwardPass, ForwardWorker {
        private final MemorySegment y;

        Forward(ScanSpec spec, ScanForward f) {
            super(spec, f.type(), f.u(), f.delta(), f.a(), f.b(), f.c(), f.d(), f.z(), f.deltaBias(), f.checkpoints());
            this.y = f.y();
        }

        /** No scratch: the pass itself. */
        @Override
        public ForwardWorker worker() {
            return this;
        }

        @Override
        public void scan(ChannelBlock block, int t0, int t1, double[] h, boolean writeOutputs, double[] deltaSum) {
            int n = spec.state();
            int row = block.channel0() * n;
            int k = spec.checkpointInterval();
            for (int t = t0; t < t1; t++) {
                if (writeOutputs && checkpoints != null && t % k == 0) {
                    long base = checkpointIndex(block, t / k);
                    for (int s = 0; s < n; s++) {
                        ElementAccess.set(type, checkpoints, base + s, h[s]);
                    }
                }
                long i = sequenceIndex(block, t);
                long g = groupIndex(block, t);
                double dt = deltaPrime(deltaInput(block, i));
                deltaSum[0] += dt;
                double ut = ElementAccess.get(type, u, i);
                double dtu = dt * ut;
                double out = 0;
                for (int s = 0; s < n; s++) {
                    h[s] = Math.exp(dt * a[row + s]) * h[s] + dtu * ElementAccess.get(type, b, g + s);
                    out += h[s] * ElementAccess.get(type, c, g + s);
                }
                if (writeOutputs) {
                    out += d[block.channel0()] * ut;
                    if (spec.hasZ()) {
                        double zt = ElementAccess.get(type, z, i);
                        out *= zt * sigmoid(zt);
                    }
                    ElementAccess.set(type, y, i, out);
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

        /** dy * silu(z), or dy without a gate. */
        double gatedGradient(long i) {
            double dy = ElementAccess.get(type, buffers.dy(), i);
            if (!spec.hasZ()) {
                return dy;
            }
            double zt = ElementAccess.get(type, z, i);
            return dy * zt * sigmoid(zt);
        }

        private final class Worker implements BackwardWorker {
            private final int n = spec.state();
            private final int k = spec.checkpointInterval();
            /** Steps the buffers hold: one checkpoint interval, or the whole sequence if shorter. */
            private final int window = Math.min(k, spec.length());
            /** h before each step of the interval and after the last: (k + 1, state). */
            private final double[] h = new double[(window + 1) * n];
            /** exp(delta' A) of each step: (k, state). */
            private final double[] decay = new double[window * n];
            /** y before the gate, delta' of each step. */
            private final double[] yInner = new double[window];
            private final double[] deltaPrime = new double[window];
            /** The dB and dC terms of the interval's steps summed over channels: (k, state). */
            private final double[] sumB = new double[window * n];
            private final double[] sumC = new double[window * n];

            @Override
            public void backward(ChannelBlock block, int t0, int t1, double[] carry, ChannelGradients gradients) {
                int ch = block.channel0();
                int row = ch * n;
                int local = ch - gradients.channel0;
                long base = checkpointIndex(block, t0 / k);
                for (int s = 0; s < n; s++) {
                    h[s] = ElementAccess.get(type, checkpoints, base + s);
                }
                for (int t = t0; t < t1; t++) {
                    int j = t - t0;
                    long i = sequenceIndex(block, t);
                    long g = groupIndex(block, t);
                    double dt = deltaPrime(deltaInput(block, i));
                    double dtu = dt * ElementAccess.get(type, u, i);
                    double out = 0;
                    for (int s = 0; s < n; s++) {
                        double at = Math.exp(dt * a[row + s]);
                        decay[j * n + s] = at;
                        h[(j + 1) * n + s] = at * h[j * n + s] + dtu * ElementAccess.get(type, b, g + s);
                        out += h[(j + 1) * n + s] * ElementAccess.get(type, c, g + s);
                    }
                    deltaPrime[j] = dt;
                    yInner[j] = out + d[ch] * ElementAccess.get(type, u, i);
                }
                for (int t = t1 - 1; t >= t0; t--) {
                    int j = t - t0;
                    long i = sequenceIndex(block, t);
                    long g = groupIndex(block, t);
                    double dt = deltaPrime[j];
                    double ut = ElementAccess.get(type, u, i);
                    double dy = ElementAccess.get(type, buffers.dy(), i);
                    double grad = dy;
                    if (spec.hasZ()) {
                        double zt = ElementAccess.get(type, z, i);
                        double sig = sigmoid(zt);
                        grad = dy * zt * sig;
                        ElementAccess.set(type, buffers.dZ(), i, dy * yInner[j] * sig * (1 + zt * (1 - sig)));
                    }
                    gradients.dD[local] += grad * ut;
                    double du = grad * d[ch];
                    double dDeltaPrime = 0;
                    double sumGB = 0;
                    for (int s = 0; s < n; s++) {
                        double bt = ElementAccess.get(type, b, g + s);
                        double gt = ElementAccess.get(type, c, g + s) * grad + carry[s];
                        double at = decay[j * n + s];
                        double decayedPrevious = at * h[j * n + s];
                        sumC[j * n + s] += grad * h[(j + 1) * n + s];
                        sumB[j * n + s] += gt * dt * ut;
                        sumGB += gt * bt;
                        dDeltaPrime += gt * decayedPrevious * a[row + s];
                        gradients.dA[local * n + s] += gt * dt * decayedPrevious;
                        carry[s] = at * gt;
                    }
                    du += dt * sumGB;
                    dDeltaPrime += ut * sumGB;
                    double dDelta = spec.deltaSoftplus() ? dDeltaPrime * sigmoid(deltaInput(block, i)) : dDeltaPrime;
                    gradients.dDeltaBias[local] += dDelta;
                    ElementAccess.set(type, buffers.du(), i, du);
                    ElementAccess.set(type, buffers.dDelta(), i, dDelta);
                }
            }

            @Override
            public void carry(ChannelBlock block, int t0, int t1, double[] carry, double[] deltaSum) {
                int row = block.channel0() * n;
                for (int t = t1 - 1; t >= t0; t--) {
                    long i = sequenceIndex(block, t);
                    long g = groupIndex(block, t);
                    double dt = deltaPrime(deltaInput(block, i));
                    deltaSum[0] += dt;
                    double grad = gatedGradient(i);
                    for (int s = 0; s < n; s++) {
                        carry[s] = Math.exp(dt * a[row + s]) * (ElementAccess.get(type, c, g + s) * grad + carry[s]);
                    }
                }
            }

            @Override
            public void flushGroupSums(int t0, int t1, double[] dB, double[] dC) {
                for (int j = 0; j < (t1 - t0) * n; j++) {
                    dB[t0 * n + j] += sumB[j];
                    dC[t0 * n + j] += sumC[j];
                    sumB[j] = 0;
                    sumC[j] = 0;
                }
            }
        }
    }
}
