package org.ssm4j.kernels;

import org.ssm4j.safetensors.SafetensorsFile;
import org.ssm4j.testing.SharedData;

import java.util.Random;

/**
 * One selective-scan problem in the kernels' channels-last layout ({@link ScanSpec}), as
 * doubles: inputs, incoming gradients and, for the reference fixtures, the expected outputs
 * and gradients. Absent optional tensors are null.
 */
public record ScanCase(String name, ScanSpec spec,
                       double[] u, double[] delta, double[] a, double[] b, double[] c,
                       double[] d, double[] z, double[] deltaBias, double[] initialState,
                       double[] dy, double[] dLastState, ScanResult expected) {

    /** The fixture {@code scan_<name>.safetensors} (channels-first, float64), transposed to channels-last. */
    public static ScanCase fixture(String name, int checkpointInterval) {
        try (SafetensorsFile f = SafetensorsFile.open(SharedData.fixture("scan_" + name + ".safetensors"))) {
            long[] us = f.info("u").shape();
            long[] bs = f.info("B").shape();
            int batch = (int) us[0];
            int channels = (int) us[1];
            int length = (int) us[2];
            int groups = bs.length == 4 ? (int) bs[1] : 1;
            int state = (int) f.info("A").shape()[1];
            boolean softplus = f.readLongs("delta_softplus")[0] != 0;
            ScanSpec spec = new ScanSpec(batch, length, channels, state, groups, softplus,
                    f.contains("D"), f.contains("z"), f.contains("delta_bias"), false, checkpointInterval);
            ScanLayouts t = new ScanLayouts(spec);
            ScanResult expected = new ScanResult(
                    t.sequenceFromChannelsFirst(f.readDoubles("y")), f.readDoubles("last_state"), null,
                    t.sequenceFromChannelsFirst(f.readDoubles("grad.u")), t.sequenceFromChannelsFirst(f.readDoubles("grad.delta")),
                    f.readDoubles("grad.A"), t.groupsFromChannelsFirst(f.readDoubles("grad.B")),
                    t.groupsFromChannelsFirst(f.readDoubles("grad.C")), optional(f, "grad.D"),
                    f.contains("grad.z") ? t.sequenceFromChannelsFirst(f.readDoubles("grad.z")) : null,
                    optional(f, "grad.delta_bias"), null);
            return new ScanCase(name, spec,
                    t.sequenceFromChannelsFirst(f.readDoubles("u")), t.sequenceFromChannelsFirst(f.readDoubles("delta")),
                    f.readDoubles("A"), t.groupsFromChannelsFirst(f.readDoubles("B")), t.groupsFromChannelsFirst(f.readDoubles("C")),
                    optional(f, "D"), f.contains("z") ? t.sequenceFromChannelsFirst(f.readDoubles("z")) : null,
                    optional(f, "delta_bias"), null,
                    t.sequenceFromChannelsFirst(f.readDoubles("dy")), f.readDoubles("dlast_state"), expected);
        }
    }

    private static double[] optional(SafetensorsFile f, String tensor) {
        return f.contains(tensor) ? f.readDoubles(tensor) : null;
    }

    /**
     * Random inputs shaped like a trained Mamba layer's: A = -(1..state) perturbed, delta
     * around softplus(-3), unit-scale u, B, C, z; every optional tensor the spec asks for.
     */
    public static ScanCase random(ScanSpec spec, long seed) {
        Random random = new Random(seed);
        long bld = (long) spec.batch() * spec.length() * spec.channels();
        long blgn = (long) spec.batch() * spec.length() * spec.groups() * spec.state();
        int bdn = spec.batch() * spec.channels() * spec.state();
        double[] a = new double[spec.channels() * spec.state()];
        for (int i = 0; i < a.length; i++) {
            a[i] = -(1 + i % spec.state()) * (0.5 + random.nextDouble());
        }
        double[] delta = gaussian(random, bld, 0.5, spec.deltaSoftplus() ? -3 : 0.05);
        if (!spec.deltaSoftplus()) {
            for (int i = 0; i < delta.length; i++) {
                delta[i] = Math.abs(delta[i]) * 0.1 + 0.001;
            }
        }
        return new ScanCase("random-" + seed, spec,
                gaussian(random, bld, 1, 0), delta, a, gaussian(random, blgn, 1, 0), gaussian(random, blgn, 1, 0),
                spec.hasD() ? gaussian(random, spec.channels(), 1, 0) : null,
                spec.hasZ() ? gaussian(random, bld, 1, 0) : null,
                spec.hasDeltaBias() ? gaussian(random, spec.channels(), 0.3, 0) : null,
                spec.hasInitialState() ? gaussian(random, bdn, 1, 0) : null,
                gaussian(random, bld, 1, 0), gaussian(random, bdn, 1, 0), null);
    }

    private static double[] gaussian(Random random, long count, double scale, double mean) {
        double[] values = new double[Math.toIntExact(count)];
        for (int i = 0; i < values.length; i++) {
            values[i] = mean + scale * random.nextGaussian();
        }
        return values;
    }

    /** The same problem with another checkpoint interval. */
    public ScanCase withCheckpointInterval(int interval) {
        ScanSpec s = spec;
        return new ScanCase(name, new ScanSpec(s.batch(), s.length(), s.channels(), s.state(), s.groups(), s.deltaSoftplus(),
                s.hasD(), s.hasZ(), s.hasDeltaBias(), s.hasInitialState(), interval),
                u, delta, a, b, c, d, z, deltaBias, initialState, dy, dLastState, expected);
    }

    /** The same problem without the last-state gradient (it counts as zeros). */
    public ScanCase withoutLastStateGradient() {
        return new ScanCase(name, spec, u, delta, a, b, c, d, z, deltaBias, initialState, dy, null, null);
    }

    @Override
    public String toString() {
        return name + " " + spec;
    }
}
