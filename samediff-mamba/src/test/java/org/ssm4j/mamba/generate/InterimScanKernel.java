package org.ssm4j.mamba.generate;

import org.ssm4j.kernels.ElementType;
import org.ssm4j.kernels.ScanBackward;
import org.ssm4j.kernels.ScanForward;
import org.ssm4j.kernels.ScanSpec;
import org.ssm4j.kernels.SelectiveScanKernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** INTERIM (deleted once the scan branch's CPU kernel is merged): a scalar float32 forward scan, channels-last. */
final class InterimScanKernel implements SelectiveScanKernel {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    @Override
    public String name() {
        return "interim-scalar";
    }

    @Override
    public boolean supports(ElementType type) {
        return type == ElementType.FLOAT32;
    }

    @Override
    public void forward(ScanSpec s, ScanForward b) {
        int ch = s.channels(), n = s.state(), len = s.length();
        for (int bi = 0; bi < s.batch(); bi++) {
            for (int c = 0; c < ch; c++) {
                double[] h = new double[n];
                for (int k = 0; k < n; k++) {
                    h[k] = s.hasInitialState() ? get(b.initialState(), ((long) bi * ch + c) * n + k) : 0;
                }
                for (int t = 0; t < len; t++) {
                    long at = ((long) bi * len + t) * ch + c;
                    double dt = get(b.delta(), at) + (s.hasDeltaBias() ? get(b.deltaBias(), c) : 0);
                    if (s.deltaSoftplus()) {
                        dt = dt <= 20 ? Math.log1p(Math.exp(dt)) : dt;
                    }
                    double u = get(b.u(), at);
                    double y = 0;
                    for (int k = 0; k < n; k++) {
                        long bc = ((long) bi * len + t) * n + k;
                        h[k] = Math.exp(dt * get(b.a(), (long) c * n + k)) * h[k] + dt * get(b.b(), bc) * u;
                        y += get(b.c(), bc) * h[k];
                    }
                    if (s.hasD()) {
                        y += get(b.d(), c) * u;
                    }
                    if (s.hasZ()) {
                        double z = get(b.z(), at);
                        y *= z / (1 + Math.exp(-z));
                    }
                    b.y().setAtIndex(F, at, (float) y);
                }
                for (int k = 0; k < n; k++) {
                    b.lastState().setAtIndex(F, ((long) bi * ch + c) * n + k, (float) h[k]);
                }
            }
        }
    }

    private static double get(MemorySegment s, long i) {
        return s.getAtIndex(F, i);
    }

    @Override
    public void backward(ScanSpec spec, ScanBackward buffers) {
        throw new UnsupportedOperationException("interim kernel: forward only");
    }
}
