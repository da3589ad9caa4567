package org.ssm4j.experiments.monitor;

import java.awt.Color;
import java.util.ArrayList;
import java.util.List;

/**
 * A logarithmic colour scale from {@code low} to {@code high} through the viridis colour map
 * (perceptually uniform and readable in grey and by colour-blind readers): dark violet for
 * the smallest values, yellow for the largest.
 */
public final class ColourScale {

    private static final int[] VIRIDIS = {0x440154, 0x482878, 0x3e4989, 0x31688e, 0x26828e, 0x1f9e89, 0x35b779,
            0x6ece58, 0xb5de2b, 0xfde725};

    private final double logLow;
    private final double logHigh;

    /**
     * @param low  the value drawn darkest (positive)
     * @param high the value drawn brightest (above low)
     */
    public ColourScale(double low, double high) {
        if (!(low > 0) || !(high > low) || Double.isInfinite(high)) {
            throw new IllegalArgumentException("a log colour scale needs 0 < low < high, got " + low + " and " + high);
        }
        this.logLow = Math.log10(low);
        this.logHigh = Math.log10(high);
    }

    /** A scale spanning the finite positive values of {@code values} (widened to a factor of 1.1 if they are nearly alike). */
    public static ColourScale spanning(double[]... values) {
        double low = Double.POSITIVE_INFINITY;
        double high = 0;
        for (double[] vs : values) {
            for (double v : vs) {
                if (v > 0 && Double.isFinite(v)) {
                    low = Math.min(low, v);
                    high = Math.max(high, v);
                }
            }
        }
        if (high == 0) {
            throw new IllegalArgumentException("no positive value to scale");
        }
        if (high < 1.1 * low) {
            double mid = Math.sqrt(low * high);
            low = mid / Math.sqrt(1.1);
            high = mid * Math.sqrt(1.1);
        }
        return new ColourScale(low, high);
    }

    /** The smallest value of the scale. */
    public double low() {
        return Math.pow(10, logLow);
    }

    /** The largest value of the scale. */
    public double high() {
        return Math.pow(10, logHigh);
    }

    /** Where {@code value} lies on the scale, from 0 (low or below) to 1 (high or above). */
    public double position(double value) {
        if (!(value > 0)) {
            return 0;
        }
        return Math.clamp((Math.log10(value) - logLow) / (logHigh - logLow), 0.0, 1.0);
    }

    /** The colour of {@code value}. */
    public Color colour(double value) {
        return colourAt(position(value));
    }

    /** The colour at a position in [0, 1] of the map. */
    public static Color colourAt(double position) {
        double x = Math.clamp(position, 0.0, 1.0) * (VIRIDIS.length - 1);
        int i = Math.min((int) x, VIRIDIS.length - 2);
        double f = x - i;
        int a = VIRIDIS[i];
        int b = VIRIDIS[i + 1];
        return new Color(mix(a >> 16, b >> 16, f), mix((a >> 8) & 0xff, (b >> 8) & 0xff, f), mix(a & 0xff, b & 0xff, f));
    }

    private static int mix(int a, int b, double f) {
        return (int) Math.round((a & 0xff) + ((b & 0xff) - (a & 0xff)) * f);
    }

    /**
     * Values for the colour bar's ticks: the powers of ten in range, with 2 and 5 times them
     * when the range spans less than 100×; five ticks evenly spaced on the log scale when the
     * range spans less than 10× (where a power of ten may not fall in it at all).
     */
    public List<Double> ticks() {
        List<Double> ticks = new ArrayList<>();
        if (logHigh - logLow < 1) {
            for (int i = 0; i < 5; i++) {
                ticks.add(Math.pow(10, logLow + (logHigh - logLow) * (0.1 + 0.2 * i)));
            }
            return ticks;
        }
        boolean fine = logHigh - logLow < 2;
        for (int e = (int) Math.floor(logLow); e <= (int) Math.ceil(logHigh); e++) {
            for (double m : fine ? new double[]{1, 2, 5} : new double[]{1}) {
                double v = m * Math.pow(10, e);
                double l = Math.log10(v);
                if (l >= logLow - 1e-9 && l <= logHigh + 1e-9) {
                    ticks.add(v);
                }
            }
        }
        return ticks;
    }
}
