package org.ssm4j.datasets.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The resampler against analytic signals: a tone resampled must equal the same tone sampled at
 * the new rate (within 16-bit rounding and the filter's documented pass band), and a tone above
 * the new Nyquist frequency must vanish.
 */
class ResamplerTest {

    private static short[] tone(double hertz, int rate, int length, double amplitude) {
        short[] samples = new short[length];
        for (int i = 0; i < length; i++) {
            samples[i] = (short) Math.round(amplitude * Math.sin(2 * Math.PI * hertz * i / rate));
        }
        return samples;
    }

    /** The largest difference over the middle of the signal, away from the zero-padded edges. */
    private static int maxInteriorError(short[] actual, short[] expected, int margin) {
        int worst = 0;
        for (int i = margin; i < actual.length - margin; i++) {
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        }
        return worst;
    }

    private static double interiorRms(short[] signal, int margin) {
        double sum = 0;
        for (int i = margin; i < signal.length - margin; i++) {
            sum += (double) signal[i] * signal[i];
        }
        return Math.sqrt(sum / (signal.length - 2 * margin));
    }

    @Test
    void upsamplingATonePreservesIt() {
        short[] input = tone(440, 8000, 8000, 20000);
        short[] output = Resampler.resample(input, 8000, 16000);
        assertEquals(16000, output.length);
        short[] expected = tone(440, 16000, 16000, 20000);
        // 16-bit rounding of input and output: within 2 steps of 65536
        assertTrue(maxInteriorError(output, expected, 200) <= 2, "error " + maxInteriorError(output, expected, 200));
    }

    @Test
    void aToneAt80PercentOfTheLowerNyquistPassesUnchanged() {
        // 3200 Hz is 80% of 8 kHz audio's 4 kHz Nyquist frequency: the filter is flat within 0.001 dB there
        short[] input = tone(3200, 16000, 16000, 20000);
        short[] output = Resampler.resample(input, 16000, 8000);
        short[] expected = tone(3200, 8000, 8000, 20000);
        assertTrue(maxInteriorError(output, expected, 100) <= 3, "error " + maxInteriorError(output, expected, 100));
    }

    @Test
    void downsamplingRemovesTonesAboveTheNewNyquistFrequency() {
        // 3920 Hz is 98% of the 4 kHz Nyquist frequency of 8 kHz: attenuated by at least 80 dB
        for (double hertz : new double[]{3920, 5000, 7000}) {
            short[] input = tone(hertz, 16000, 16000, 30000);
            short[] output = Resampler.resample(input, 16000, 8000);
            double ratio = interiorRms(output, 100) / interiorRms(input, 100);
            assertTrue(ratio < 1e-4, hertz + " Hz leaks through at " + 20 * Math.log10(ratio) + " dB");
        }
    }

    @Test
    void irregularRatiosKeepTheTimingExact() {
        // 8000 -> 11025 Hz: output sample j lies at input position j * 8000 / 11025
        short[] input = tone(1000, 8000, 8000, 20000);
        short[] output = Resampler.resample(input, 8000, 11025);
        assertEquals(11025, output.length);
        short[] expected = tone(1000, 11025, 11025, 20000);
        assertTrue(maxInteriorError(output, expected, 300) <= 2, "error " + maxInteriorError(output, expected, 300));
    }

    @Test
    void aConstantKeepsItsLevelAndEqualRatesCopy() {
        short[] constant = new short[2000];
        Arrays.fill(constant, (short) 1000);
        short[] output = Resampler.resample(constant, 8000, 12000);
        assertEquals(3000, output.length);
        for (int i = 300; i < 2700; i++) {
            assertEquals(1000, output[i], 1, "sample " + i);
        }
        short[] same = Resampler.resample(constant, 8000, 8000);
        assertArrayEquals(constant, same);
        assertTrue(same != constant);
        assertEquals(4, Resampler.resample(new short[5], 8000, 5000).length, "ceil(5 * 5000 / 8000)");
        assertThrows(IllegalArgumentException.class, () -> Resampler.resample(constant, 0, 8000));
    }

    @Test
    void besselI0MatchesKnownValues() {
        // reference values from scipy.special.i0
        assertEquals(1.0, Resampler.besselI0(0), 0);
        assertEquals(1.2660658777520082, Resampler.besselI0(1), 1e-15);
        assertEquals(4.880792585865024, Resampler.besselI0(3), 1e-14);
        assertEquals(750.4611595631659, Resampler.besselI0(Resampler.KAISER_BETA), 1e-11);
    }
}
