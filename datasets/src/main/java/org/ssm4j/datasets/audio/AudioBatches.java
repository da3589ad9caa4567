package org.ssm4j.datasets.audio;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.datasets.Batch;
import org.ssm4j.datasets.BatchOptions;
import org.ssm4j.datasets.BatchSource;
import org.ssm4j.datasets.EpochBatches;
import org.ssm4j.datasets.ExampleCollator;

/**
 * Recordings as classification batches, padded to the longest recording of each batch:
 * features {@code FLOAT [batch, time, 1]} (sample / 32768, zeros after a recording's end),
 * features mask {@code FLOAT [batch, time]} (1 for real samples, 0 for padding), labels
 * {@code INT [batch]}, labels mask all ones {@code FLOAT [batch]}. All recordings must share one
 * sample rate.
 */
public final class AudioBatches implements ExampleCollator {

    private final AudioDataset recordings;

    /**
     * @param recordings the recordings
     * @throws IllegalArgumentException if their sample rates differ
     */
    public AudioBatches(AudioDataset recordings) {
        for (int i = 1; i < recordings.size(); i++) {
            if (recordings.sampleRate(i) != recordings.sampleRate(0)) {
                throw new IllegalArgumentException(recordings.path() + " mixes sample rates ("
                        + recordings.sampleRate(0) + " Hz for " + recordings.source(0) + ", "
                        + recordings.sampleRate(i) + " Hz for " + recordings.source(i)
                        + "); convert it with a target sample rate");
            }
        }
        this.recordings = recordings;
    }

    /**
     * @param recordings the recordings
     * @param options batching
     * @return the recordings as a batch source
     */
    public static BatchSource batches(AudioDataset recordings, BatchOptions options) {
        return new EpochBatches(new AudioBatches(recordings), options);
    }

    @Override
    public int exampleCount() {
        return recordings.size();
    }

    @Override
    public Batch collate(int[] examples) {
        int batch = examples.length;
        int longest = 0;
        for (int example : examples) {
            longest = Math.max(longest, recordings.length(example));
        }
        float[] features = new float[batch * longest];
        float[] mask = new float[batch * longest];
        int[] labels = new int[batch];
        for (int b = 0; b < batch; b++) {
            short[] samples = recordings.samples(examples[b]);
            for (int t = 0; t < samples.length; t++) {
                features[b * longest + t] = samples[t] / 32768f;
                mask[b * longest + t] = 1f;
            }
            labels[b] = recordings.label(examples[b]);
        }
        return new Batch(
                Nd4j.createFromArray(features).reshape(batch, longest, 1),
                Nd4j.createFromArray(labels),
                Nd4j.createFromArray(mask).reshape(batch, longest),
                Nd4j.ones(DataType.FLOAT, batch));
    }
}
