package org.ssm4j.datasets.audio;

/**
 * Band-limited sample-rate conversion by Kaiser-windowed sinc interpolation (the method of
 * J. O. Smith's "Digital Audio Resampling"). Output sample {@code j} lies at input position
 * {@code u = j * from / to} (computed exactly in integers, so there is no drift) and is
 * {@code sum_k x[k] * s * h(s * (u - k))}, where {@code h} is {@code sinc} under a Kaiser window
 * ({@value #KAISER_BETA}) spanning {@value #ZERO_CROSSINGS} zero crossings on each side, and
 * {@code s = }{@value #ROLLOFF}{@code  * min(1, to / from)} puts the cut-off just below the
 * lower of the two Nyquist frequencies (the factor {@code s} keeps unity gain). Samples outside
 * the input count as zero. {@code h} is tabulated at {@value #TABLE_STEPS} points per zero
 * crossing and interpolated linearly.
 *
 * <p>The response is flat within 0.001 dB up to 80% of the lower Nyquist frequency and
 * attenuates by at least 80 dB from 98% of it up (tests check a tone at each end). The result is rounded to the
 * nearest integer and clipped to the 16-bit range.
 */
public final class Resampler {

    /** Zero crossings of the sinc on each side of the centre. */
    public static final int ZERO_CROSSINGS = 32;
    /** The Kaiser window's shape parameter (about 86 dB side-lobe attenuation). */
    public static final double KAISER_BETA = 8.6;
    /** The cut-off as a share of the lower Nyquist frequency. */
    public static final double ROLLOFF = 0.9;
    /** Table points per zero crossing. */
    public static final int TABLE_STEPS = 512;

    /** {@code h(i / TABLE_STEPS)} for {@code i = 0..ZERO_CROSSINGS * TABLE_STEPS}, plus a zero guard entry. */
    private static final double[] TABLE = table();

    private Resampler() {
    }

    /** @return a one-line description of the method, for dataset cards */
    public static String description() {
        return "Kaiser-windowed sinc (beta " + KAISER_BETA + ", " + ZERO_CROSSINGS + " zero crossings, cut-off "
                + ROLLOFF + " of the lower Nyquist frequency)";
    }

    /**
     * @param input the samples at {@code from} Hz
     * @param from the input sample rate, at least 1
     * @param to the output sample rate, at least 1
     * @return {@code ceil(input.length * to / from)} samples at {@code to} Hz (a copy if the
     *     rates are equal)
     */
    public static short[] resample(short[] input, int from, int to) {
        if (from < 1 || to < 1) {
            throw new IllegalArgumentException("sample rates must be >= 1, got " + from + " and " + to);
        }
        if (from == to) {
            return input.clone();
        }
        long outputLength = ((long) input.length * to + from - 1) / from;
        if (outputLength > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(outputLength + " output samples exceed an array");
        }
        double scale = ROLLOFF * Math.min(1.0, (double) to / from);
        double reach = ZERO_CROSSINGS / scale;
        short[] output = new short[(int) outputLength];
        for (int j = 0; j < output.length; j++) {
            long numerator = (long) j * from;
            long whole = numerator / to;
            double position = whole + (double) (numerator % to) / to;
            long first = Math.max(0, (long) Math.ceil(position - reach));
            long last = Math.min(input.length - 1L, (long) Math.floor(position + reach));
            double sum = 0;
            for (long k = first; k <= last; k++) {
                sum += input[(int) k] * kernel(scale * Math.abs(position - k));
            }
            output[j] = clip(Math.round(sum * scale));
        }
        return output;
    }

    /** The windowed sinc at {@code x >= 0} zero crossings from the centre, 0 beyond the window. */
    private static double kernel(double x) {
        double index = x * TABLE_STEPS;
        int i = (int) index;
        if (i >= TABLE.length - 1) {
            return 0;
        }
        double fraction = index - i;
        return TABLE[i] + fraction * (TABLE[i + 1] - TABLE[i]);
    }

    private static double[] table() {
        int points = ZERO_CROSSINGS * TABLE_STEPS + 1;
        double[] table = new double[points + 1];
        double norm = besselI0(KAISER_BETA);
        table[0] = 1;
        for (int i = 1; i < points; i++) {
            double x = (double) i / TABLE_STEPS;
            double t = x / ZERO_CROSSINGS;
            double window = besselI0(KAISER_BETA * Math.sqrt(1 - t * t)) / norm;
            table[i] = Math.sin(Math.PI * x) / (Math.PI * x) * window;
        }
        return table;
    }

    /** The modified Bessel function of the first kind, order 0, by its power series. */
    static double besselI0(double x) {
        double sum = 1;
        double term = 1;
        double half = x / 2;
        for (int k = 1; k < 200; k++) {
            term *= (half / k) * (half / k);
            sum += term;
            if (term < 1e-17 * sum) {
                break;
            }
        }
        return sum;
    }

    private static short clip(long value) {
        return (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, value));
    }
}
