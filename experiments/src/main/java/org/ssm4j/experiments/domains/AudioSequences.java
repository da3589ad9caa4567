package org.ssm4j.experiments.domains;

import org.ssm4j.datasets.audio.AudioDataset;
import org.ssm4j.experiments.classify.LabelledSequences;
import org.ssm4j.experiments.monitor.PositionLayout;

import java.util.Arrays;

/**
 * Raw recordings as sequences of frames: each recording is cut or padded to
 * {@code clipSamples} samples and split into {@code clipSamples / frame} non-overlapping frames
 * of {@code frame} samples, one position each (with the classifier's linear input projection,
 * a strided patch projection of the waveform, as a convolution with kernel and stride
 * {@code frame} would be).
 *
 * <p>A longer recording keeps its middle {@code clipSamples} samples; a shorter one is padded
 * with zeros at the end, and the frames holding no real sample are masked. Each recording is
 * scaled to unit root-mean-square over its kept samples (speakers and microphones differ in
 * level by more than a factor of ten in FSDD), so the model sees the waveform's shape, not
 * its loudness.
 */
public final class AudioSequences implements LabelledSequences {

    private final AudioDataset recordings;
    private final int clipSamples;
    private final int frame;
    private final int classes;
    private final boolean padded;

    /**
     * @param recordings  the recordings (this object closes them), all of one sample rate
     * @param clipSamples samples per clip, a multiple of {@code frame}
     * @param frame       samples per position
     * @param classes     number of classes; every label must lie below it
     */
    public AudioSequences(AudioDataset recordings, int clipSamples, int frame, int classes) {
        if (frame < 1 || clipSamples < frame || clipSamples % frame != 0) {
            throw new IllegalArgumentException("clip samples must be a positive multiple of the frame, got clip " + clipSamples
                    + " and frame " + frame);
        }
        boolean anyShorter = false;
        for (int i = 0; i < recordings.size(); i++) {
            if (recordings.sampleRate(i) != recordings.sampleRate(0)) {
                throw new IllegalArgumentException(recordings.path() + " mixes sample rates (" + recordings.sampleRate(0)
                        + " Hz for " + recordings.source(0) + ", " + recordings.sampleRate(i) + " Hz for "
                        + recordings.source(i) + ")");
            }
            if (recordings.length(i) == 0) {
                throw new IllegalArgumentException("recording " + recordings.source(i) + " in " + recordings.path() + " is empty");
            }
            anyShorter |= recordings.length(i) < clipSamples;
        }
        this.recordings = recordings;
        this.clipSamples = clipSamples;
        this.frame = frame;
        this.classes = classes;
        this.padded = anyShorter;
    }

    /** The recordings' sample rate in Hz. */
    public int sampleRate() {
        return recordings.sampleRate(0);
    }

    @Override
    public int size() {
        return recordings.size();
    }

    @Override
    public int length() {
        return clipSamples / frame;
    }

    @Override
    public int channels() {
        return frame;
    }

    @Override
    public int classes() {
        return classes;
    }

    @Override
    public boolean padded() {
        return padded;
    }

    @Override
    public int label(int index) {
        return recordings.label(index);
    }

    @Override
    public void read(int index, float[] features, int featuresOffset, float[] mask, int maskOffset) {
        short[] samples = recordings.samples(index);
        int start = Math.max(0, (samples.length - clipSamples) / 2);
        int kept = Math.min(samples.length, clipSamples);
        double sumSquares = 0;
        for (int i = 0; i < kept; i++) {
            double v = samples[start + i] / 32768.0;
            sumSquares += v * v;
        }
        double rms = Math.sqrt(sumSquares / kept);
        double scale = rms > 0 ? 1 / (32768.0 * rms) : 0;
        for (int i = 0; i < kept; i++) {
            features[featuresOffset + i] = (float) (samples[start + i] * scale);
        }
        Arrays.fill(features, featuresOffset + kept, featuresOffset + clipSamples, 0f);
        int realFrames = (kept + frame - 1) / frame;
        Arrays.fill(mask, maskOffset, maskOffset + realFrames, 1f);
        Arrays.fill(mask, maskOffset + realFrames, maskOffset + length(), 0f);
    }

    @Override
    public PositionLayout layout(int index) {
        float[] clip = new float[clipSamples];
        float[] mask = new float[length()];
        read(index, clip, 0, mask, 0);
        int real = 0;
        for (float m : mask) {
            real += m != 0 ? 1 : 0;
        }
        return new PositionLayout.Audio(clip, length(), real);
    }

    @Override
    public String name() {
        return recordings.path().toString();
    }

    @Override
    public void close() {
        recordings.close();
    }
}
