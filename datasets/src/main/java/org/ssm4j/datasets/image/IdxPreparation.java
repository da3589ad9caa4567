package org.ssm4j.datasets.image;

import java.nio.file.Path;
import java.util.Objects;
import org.ssm4j.datasets.Provenance;

/**
 * What {@link IdxConverter} converts and how.
 *
 * @param inputDir a directory with the four MNIST-layout IDX files ({@code train-images-idx3-ubyte},
 *     {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte},
 *     each optionally gzipped with a {@code .gz} suffix, or spelt {@code train-images.idx3-ubyte})
 * @param outputDir where {@code train.arrow}, {@code test.arrow} and the card go
 * @param imagesPerBatch images per Arrow record batch
 * @param provenance the creation command and license for the card
 */
public record IdxPreparation(Path inputDir, Path outputDir, int imagesPerBatch, Provenance provenance) {

    /** The default record batch size. */
    public static final int DEFAULT_IMAGES_PER_BATCH = 10_000;

    public IdxPreparation {
        Objects.requireNonNull(inputDir, "inputDir");
        Objects.requireNonNull(outputDir, "outputDir");
        Objects.requireNonNull(provenance, "provenance");
        if (imagesPerBatch < 1) {
            throw new IllegalArgumentException("images per batch must be >= 1, got " + imagesPerBatch);
        }
    }

    /**
     * @param inputDir the IDX directory
     * @param outputDir the output directory
     * @param provenance the creation command and license
     * @return the preparation with the default batch size
     */
    public static IdxPreparation of(Path inputDir, Path outputDir, Provenance provenance) {
        return new IdxPreparation(inputDir, outputDir, DEFAULT_IMAGES_PER_BATCH, provenance);
    }
}
