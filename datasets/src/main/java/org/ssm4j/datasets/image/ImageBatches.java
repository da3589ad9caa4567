package org.ssm4j.datasets.image;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.datasets.Batch;
import org.ssm4j.datasets.BatchOptions;
import org.ssm4j.datasets.BatchSource;
import org.ssm4j.datasets.EpochBatches;
import org.ssm4j.datasets.ExampleCollator;

/**
 * Images as classification batches: features {@code FLOAT [batch, rows, cols]} with the grey
 * values scaled to [0, 1] (value / 255), i.e. a sequence of {@code rows} steps of {@code cols}
 * channels each; labels {@code INT [batch]}; all-ones masks {@code FLOAT [batch, rows]} and
 * {@code FLOAT [batch]}.
 */
public final class ImageBatches implements ExampleCollator {

    private final ImageDataset images;

    /** @param images the images */
    public ImageBatches(ImageDataset images) {
        this.images = images;
    }

    /**
     * @param images the images
     * @param options batching
     * @return the images as a batch source
     */
    public static BatchSource batches(ImageDataset images, BatchOptions options) {
        return new EpochBatches(new ImageBatches(images), options);
    }

    @Override
    public int exampleCount() {
        return images.size();
    }

    @Override
    public Batch collate(int[] examples) {
        int batch = examples.length;
        int rows = images.rows();
        int cols = images.cols();
        int size = rows * cols;
        byte[] pixels = new byte[size];
        float[] features = new float[batch * size];
        int[] labels = new int[batch];
        for (int b = 0; b < batch; b++) {
            images.readImage(examples[b], pixels, 0);
            for (int p = 0; p < size; p++) {
                features[b * size + p] = (pixels[p] & 0xFF) / 255f;
            }
            labels[b] = images.label(examples[b]);
        }
        return new Batch(
                Nd4j.createFromArray(features).reshape(batch, rows, cols),
                Nd4j.createFromArray(labels),
                Nd4j.ones(DataType.FLOAT, batch, rows),
                Nd4j.ones(DataType.FLOAT, batch));
    }
}
