package org.ssm4j.kernels.cuda;

import org.ssm4j.kernels.ScanSpec;

/**
 * A float64 selective scan written straight from the recurrence, channels-last like the
 * kernels, for checking them: {@code h_t = exp(dt_t A) h_{t-1} + dt_t B_t u_t},
 * {@code y_t = (C_t . h_t + D u_t) silu(z_t)}, {@code dt = softplus(delta + bias)}, and its
 * gradients by the adjoint recurrence. Absent optional inputs are null.
 */
final class ScanReference {

    /** Inputs as doubles, laid out as {@link ScanSpec} describes. */
    record Inputs(ScanSpec spec, double[] u, double[] delta, double[] a, double[] b, double[] c, double[] d,
                  double[] z, double[] deltaBias, double[] initialState) {
    }

    record Forward(double[] y, double[] lastState, double[] checkpoints) {
    }

    record Gradients(double[] du, double[] dDelta, double[] dA, double[] dB, double[] dC, double[] dD, double[] dZ,
                     double[] dDeltaBias, double[] dInitialState) {
    }

    private ScanReference() {
    }

    static Forward forward(Inputs in) {
        ScanSpec s = in.spec();
        double[] y = new double[s.batch() * s.length() * s.channels()];
        double[] last = new double[s.batch() * s.channels() * s.state()];
        double[] ckpt = new double[s.batch() * s.checkpoints() * s.channels() * s.state()];
        for (int b = 0; b < s.batch(); b++) {
            for (int d = 0; d < s.channels(); d++) {
                Row r = new Row(in, b, d);
                for (int n = 0; n < s.state(); n++) {
                    double h = r.h0(n);
                    for (int t = 0; t < s.length(); t++) {
                        if (t % s.checkpointInterval() == 0) {
                            ckpt[((b * s.checkpoints() + t / s.checkpointInterval()) * s.channels() + d) * s.state() + n] = h;
                        }
                        h = Math.exp(r.dt[t] * r.a(n)) * h + r.dt[t] * r.bv(t, n) * r.u(t);
                    }
                    last[(b * s.channels() + d) * s.state() + n] = h;
                }
                for (int t = 0; t < s.length(); t++) {
                    y[r.at(t)] = r.output(t) * r.gate(t);
                }
            }
        }
        return new Forward(y, last, ckpt);
    }

    /** Gradients for output gradient {@code dy} and last-state gradient {@code dLast} (null: zeros). */
    static Gradients backward(Inputs in, double[] dy, double[] dLast) {
        ScanSpec s = in.spec();
        int act = s.batch() * s.length() * s.channels();
        double[] du = new double[act];
        double[] dDelta = new double[act];
        double[] dz = s.hasZ() ? new double[act] : null;
        double[] dA = new double[s.channels() * s.state()];
        double[] dB = new double[s.batch() * s.length() * s.groups() * s.state()];
        double[] dC = new double[dB.length];
        double[] dD = s.hasD() ? new double[s.channels()] : null;
        double[] dBias = s.hasDeltaBias() ? new double[s.channels()] : null;
        double[] dH0 = s.hasInitialState() ? new double[s.batch() * s.channels() * s.state()] : null;
        for (int b = 0; b < s.batch(); b++) {
            for (int d = 0; d < s.channels(); d++) {
                Row r = new Row(in, b, d);
                double[] ddt = new double[s.length()];
                double[] dout = new double[s.length()];
                for (int t = 0; t < s.length(); t++) {
                    dout[t] = dy[r.at(t)] * r.gate(t);
                }
                double[] hs = new double[s.length() + 1];  // hs[t] = state before step t
                for (int n = 0; n < s.state(); n++) {
                    hs[0] = r.h0(n);
                    for (int t = 0; t < s.length(); t++) {
                        hs[t + 1] = Math.exp(r.dt[t] * r.a(n)) * hs[t] + r.dt[t] * r.bv(t, n) * r.u(t);
                    }
                    double q = dLast == null ? 0 : dLast[(b * s.channels() + d) * s.state() + n];
                    for (int t = s.length() - 1; t >= 0; t--) {
                        double g = q + dout[t] * r.cv(t, n);
                        double decay = Math.exp(r.dt[t] * r.a(n));
                        double x = g * hs[t] * decay;
                        ddt[t] += x * r.a(n) + g * r.bv(t, n) * r.u(t);
                        dA[d * s.state() + n] += x * r.dt[t];
                        du[r.at(t)] += g * r.dt[t] * r.bv(t, n);
                        dB[r.bc(t, n)] += g * r.dt[t] * r.u(t);
                        dC[r.bc(t, n)] += dout[t] * hs[t + 1];
                        q = decay * g;
                    }
                    if (dH0 != null) {
                        dH0[(b * s.channels() + d) * s.state() + n] = q;
                    }
                }
                for (int t = 0; t < s.length(); t++) {
                    du[r.at(t)] += dout[t] * r.skip();
                    double dd = ddt[t] * (s.deltaSoftplus() ? sigmoid(r.pre(t)) : 1.0);
                    dDelta[r.at(t)] = dd;
                    if (dBias != null) {
                        dBias[d] += dd;
                    }
                    if (dD != null) {
                        dD[d] += dout[t] * r.u(t);
                    }
                    if (dz != null) {
                        double zv = in.z()[r.at(t)];
                        double sg = sigmoid(zv);
                        dz[r.at(t)] = dy[r.at(t)] * r.output(t) * sg * (1 + zv * (1 - sg));
                    }
                }
            }
        }
        return new Gradients(du, dDelta, dA, dB, dC, dD, dz, dBias, dH0);
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** One (batch, channel) row: its step sizes and indexing. */
    private static final class Row {
        final Inputs in;
        final ScanSpec s;
        final int b;
        final int d;
        final int g;
        final double[] dt;
        final double[] out;

        Row(Inputs in, int b, int d) {
            this.in = in;
            this.s = in.spec();
            this.b = b;
            this.d = d;
            this.g = d / s.channelsPerGroup();
            this.dt = new double[s.length()];
            for (int t = 0; t < s.length(); t++) {
                double x = pre(t);
                dt[t] = s.deltaSoftplus() ? (x > 20 ? x : Math.log1p(Math.exp(x))) : x;
            }
            this.out = new double[s.length()];
            for (int n = 0; n < s.state(); n++) {
                double h = h0(n);
                for (int t = 0; t < s.length(); t++) {
                    h = Math.exp(dt[t] * a(n)) * h + dt[t] * bv(t, n) * u(t);
                    out[t] += cv(t, n) * h;
                }
            }
            for (int t = 0; t < s.length(); t++) {
                out[t] += skip() * u(t);
            }
        }

        int at(int t) {
            return (b * s.length() + t) * s.channels() + d;
        }

        int bc(int t, int n) {
            return ((b * s.length() + t) * s.groups() + g) * s.state() + n;
        }

        double pre(int t) {
            return in.delta()[at(t)] + (s.hasDeltaBias() ? in.deltaBias()[d] : 0);
        }

        double u(int t) {
            return in.u()[at(t)];
        }

        double a(int n) {
            return in.a()[d * s.state() + n];
        }

        double bv(int t, int n) {
            return in.b()[bc(t, n)];
        }

        double cv(int t, int n) {
            return in.c()[bc(t, n)];
        }

        double skip() {
            return s.hasD() ? in.d()[d] : 0;
        }

        double h0(int n) {
            return s.hasInitialState() ? in.initialState()[(b * s.channels() + d) * s.state() + n] : 0;
        }

        /** C_t . h_t + D u_t, the output before the gate. */
        double output(int t) {
            return out[t];
        }

        double gate(int t) {
            if (!s.hasZ()) {
                return 1;
            }
            double zv = in.z()[at(t)];
            return zv * sigmoid(zv);
        }
    }
}
