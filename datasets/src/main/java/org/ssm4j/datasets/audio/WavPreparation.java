package org.ssm4j.datasets.audio;

import java.nio.file.Path;
import java.util.Objects;
import org.ssm4j.datasets.Provenance;

/**
 * What {@link WavConverter} converts and how.
 *
 * @param inputDir a directory of {@code {label}_{speaker}_{index}.wav} recordings (16-bit mono PCM)
 * @param outputDir where {@code train.arrow}, {@code test.arrow} and the card go
 * @param targetSampleRate resample every recording to this rate, or 0 to keep each one's rate
 * @param firstTrainIndex recordings with a smaller index form the test split (FSDD's official
 *     split: 5, i.e. takes 0-4 are test, 5-49 train)
 * @param recordingsPerBatch recordings per Arrow record batch
 * @param provenance the creation command and license for the card
 */
public record WavPreparation(Path inputDir, Path outputDir, int targetSampleRate, int firstTrainIndex,
                             int recordingsPerBatch, Provenance provenance) {

    /** FSDD's official split: takes 0-4 are the test set. */
    public static final int FSDD_FIRST_TRAIN_INDEX = 5;
    /** The default record batch size. */
    public static final int DEFAULT_RECORDINGS_PER_BATCH = 256;

    public WavPreparation {
        Objects.requireNonNull(inputDir, "inputDir");
        Objects.requireNonNull(outputDir, "outputDir");
        Objects.requireNonNull(provenance, "provenance");
        if (targetSampleRate < 0) {
            throw new IllegalArgumentException("target sample rate must be >= 0 (0 keeps the original), got "
                    + targetSampleRate);
        }
        if (firstTrainIndex < 0) {
            throw new IllegalArgumentException("first training index must be >= 0, got " + firstTrainIndex);
        }
        if (recordingsPerBatch < 1) {
            throw new IllegalArgumentException("recordings per batch must be >= 1, got " + recordingsPerBatch);
        }
    }

    /**
     * FSDD's official split, original sample rates, default batch size.
     *
     * @param inputDir the recordings
     * @param outputDir the output directory
     * @param provenance the creation command and license
     * @return the preparation
     */
    public static WavPreparation of(Path inputDir, Path outputDir, Provenance provenance) {
        return new WavPreparation(inputDir, outputDir, 0, FSDD_FIRST_TRAIN_INDEX, DEFAULT_RECORDINGS_PER_BATCH,
                provenance);
    }
}
