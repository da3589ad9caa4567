package org.ssm4j.datasets.audio;

/** Mono 16-bit PCM audio: its sample rate and its samples. */
public final class PcmAudio {

    private final int sampleRate;
    private final short[] samples;

    /**
     * @param sampleRate samples per second, at least 1
     * @param samples the samples (kept, not copied)
     */
    public PcmAudio(int sampleRate, short[] samples) {
        if (sampleRate < 1) {
            throw new IllegalArgumentException("sample rate must be >= 1, got " + sampleRate);
        }
        this.sampleRate = sampleRate;
        this.samples = samples;
    }

    /** @return samples per second */
    public int sampleRate() {
        return sampleRate;
    }

    /** @return the samples (the array itself: do not modify) */
    public short[] samples() {
        return samples;
    }

    /**
     * @param targetRate the wanted sample rate
     * @return this audio at {@code targetRate} (this object if it already is)
     */
    public PcmAudio resampledTo(int targetRate) {
        return targetRate == sampleRate ? this
                : new PcmAudio(targetRate, Resampler.resample(samples, sampleRate, targetRate));
    }
}
