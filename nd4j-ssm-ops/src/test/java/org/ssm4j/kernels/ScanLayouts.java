package org.ssm4j.kernels;

/** Converts tensors between the reference's channels-first layout and the kernels' channels-last one. */
public record ScanLayouts(ScanSpec spec) {

    /** (batch, channels, length) to (batch, length, channels). */
    public double[] sequenceFromChannelsFirst(double[] x) {
        int l = spec.length();
        int d = spec.channels();
        double[] out = new double[x.length];
        for (int b = 0; b < spec.batch(); b++) {
            for (int c = 0; c < d; c++) {
                for (int t = 0; t < l; t++) {
                    out[(b * l + t) * d + c] = x[(b * d + c) * l + t];
                }
            }
        }
        return out;
    }

    /** (batch, groups, state, length) to (batch, length, groups, state). */
    public double[] groupsFromChannelsFirst(double[] x) {
        int l = spec.length();
        int g = spec.groups();
        int n = spec.state();
        double[] out = new double[x.length];
        for (int b = 0; b < spec.batch(); b++) {
            for (int k = 0; k < g; k++) {
                for (int s = 0; s < n; s++) {
                    for (int t = 0; t < l; t++) {
                        out[((b * l + t) * g + k) * n + s] = x[((b * g + k) * n + s) * l + t];
                    }
                }
            }
        }
        return out;
    }
}
