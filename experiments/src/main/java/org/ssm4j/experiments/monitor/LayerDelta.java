package org.ssm4j.experiments.monitor;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The step sizes Δ of one Mamba mixer over one input: {@code (length, channels)} values,
 * position by position in the input's order (a backward mixer's, which scans back to front,
 * are put back in input order). A large Δ at a position lets its input into the state (and
 * forgets what was there); a small one passes the position by.
 *
 * @param layer    the block
 * @param backward whether this is the backward mixer of a bidirectional block
 * @param length   positions
 * @param channels inner channels ({@code d_inner})
 * @param values   row-major {@code (length, channels)}
 */
public record LayerDelta(int layer, boolean backward, int length, int channels, float[] values) {

    public LayerDelta {
        if (values.length != length * channels) {
            throw new IllegalArgumentException("Δ of layer " + layer + " has " + values.length + " values, expected "
                    + length + " x " + channels);
        }
    }

    /** "layer 1" or "layer 1, backward", counting layers from 1. */
    public String label() {
        return "layer " + (layer + 1) + (backward ? ", backward" : "");
    }

    /**
     * The geometric mean over channels at each position. Δ spreads over orders of magnitude
     * from channel to channel (its initialisation alone spans 0.001–0.1), so the arithmetic
     * mean would follow the few largest channels; the geometric mean weighs every channel alike.
     */
    public double[] perPosition() {
        int[] all = new int[channels];
        for (int c = 0; c < channels; c++) {
            all[c] = c;
        }
        return perPosition(all);
    }

    /** The geometric mean over {@code selected} channels at each position. */
    public double[] perPosition(int[] selected) {
        double[] mean = new double[length];
        for (int t = 0; t < length; t++) {
            double sumLog = 0;
            for (int c : selected) {
                sumLog += Math.log(values[t * channels + c]);
            }
            mean[t] = Math.exp(sumLog / selected.length);
        }
        return mean;
    }

    /**
     * The {@code count} channels whose Δ varies most along the first {@code real} positions
     * (largest standard deviation of log Δ), most varying first: where the mixer is selective.
     */
    public int[] mostSelectiveChannels(int count, int real) {
        if (count < 1 || count > channels || real < 1 || real > length) {
            throw new IllegalArgumentException("need 1 <= count <= " + channels + " channels and 1 <= real <= " + length
                    + " positions, got " + count + " and " + real);
        }
        double[] spread = new double[channels];
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            double squares = 0;
            for (int t = 0; t < real; t++) {
                double v = Math.log(values[t * channels + c]);
                sum += v;
                squares += v * v;
            }
            double mean = sum / real;
            spread[c] = squares / real - mean * mean;
        }
        return IntStream.range(0, channels).boxed().sorted((a, b) -> Double.compare(spread[b], spread[a]))
                .limit(count).mapToInt(Integer::intValue).toArray();
    }

    /**
     * The geometric mean of Δ over {@code selected} channels at each position, divided by its
     * geometric mean over the first {@code real} positions (those that hold the input rather
     * than padding): how much more (or less) than usual each position is let in.
     */
    public double[] relativePerPosition(int[] selected, int real) {
        if (real < 1 || real > length) {
            throw new IllegalArgumentException("real positions must be in [1, " + length + "], got " + real);
        }
        double[] perPosition = perPosition(selected);
        double sumLog = 0;
        for (int t = 0; t < real; t++) {
            sumLog += Math.log(perPosition[t]);
        }
        double typical = Math.exp(sumLog / real);
        double[] relative = new double[perPosition.length];
        for (int t = 0; t < relative.length; t++) {
            relative[t] = perPosition[t] / typical;
        }
        return relative;
    }

    /** Summary statistics of all values (every position and channel). */
    public Stats stats() {
        return Stats.of(values);
    }

    /**
     * Mean, standard deviation and percentiles of a set of values.
     *
     * @param mean   the mean
     * @param std    the standard deviation
     * @param p10    10th percentile
     * @param p25    25th percentile
     * @param median 50th percentile
     * @param p75    75th percentile
     * @param p90    90th percentile
     */
    public record Stats(double mean, double std, double p10, double p25, double median, double p75, double p90) {

        /** The statistics of {@code values} (percentiles by linear interpolation between order statistics). */
        public static Stats of(float[] values) {
            if (values.length == 0) {
                throw new IllegalArgumentException("no values");
            }
            double[] sorted = new double[values.length];
            double sum = 0;
            for (int i = 0; i < values.length; i++) {
                sorted[i] = values[i];
                sum += values[i];
            }
            double mean = sum / values.length;
            double squares = 0;
            for (double v : sorted) {
                squares += (v - mean) * (v - mean);
            }
            Arrays.sort(sorted);
            return new Stats(mean, Math.sqrt(squares / values.length), percentile(sorted, 0.10), percentile(sorted, 0.25),
                    percentile(sorted, 0.5), percentile(sorted, 0.75), percentile(sorted, 0.90));
        }

        /** The statistics of {@code values}. */
        public static Stats of(double[] values) {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            return of(f);
        }

        private static double percentile(double[] sorted, double q) {
            double position = q * (sorted.length - 1);
            int below = (int) Math.floor(position);
            int above = Math.min(below + 1, sorted.length - 1);
            return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
        }
    }
}
