package org.ssm4j.experiments.domains;

import org.ssm4j.datasets.image.ImageDataset;
import org.ssm4j.experiments.classify.LabelledSequences;
import org.ssm4j.experiments.monitor.PositionLayout;

import java.util.Arrays;

/**
 * Grey images as sequences of square patches: a {@code rows x cols} image cut into
 * {@code patch x patch} patches is {@code (rows/patch)·(cols/patch)} positions of
 * {@code patch²} values in [0, 1] (grey / 255), patches in row-major order and the pixels of a
 * patch row by row. Patch 1 is the pixel sequence (784 positions of one value for MNIST), the
 * classic long-range test; larger patches make the short sequences of a vision Transformer.
 */
public final class ImageSequences implements LabelledSequences {

    private final ImageDataset images;
    private final int patch;
    private final int classes;
    private final int patchRows;
    private final int patchCols;
    private final byte[] pixels;

    /**
     * @param images  the images (this object closes them)
     * @param patch   patch side in pixels, dividing both image sides
     * @param classes number of classes; every label must lie below it
     */
    public ImageSequences(ImageDataset images, int patch, int classes) {
        if (patch < 1 || images.rows() % patch != 0 || images.cols() % patch != 0) {
            throw new IllegalArgumentException("patch side must divide the image size " + images.rows() + " x " + images.cols()
                    + " of " + images.path() + ", got " + patch);
        }
        this.images = images;
        this.patch = patch;
        this.classes = classes;
        this.patchRows = images.rows() / patch;
        this.patchCols = images.cols() / patch;
        this.pixels = new byte[images.rows() * images.cols()];
    }

    @Override
    public int size() {
        return images.size();
    }

    @Override
    public int length() {
        return patchRows * patchCols;
    }

    @Override
    public int channels() {
        return patch * patch;
    }

    @Override
    public int classes() {
        return classes;
    }

    @Override
    public boolean padded() {
        return false;
    }

    @Override
    public int label(int index) {
        return images.label(index);
    }

    @Override
    public void read(int index, float[] features, int featuresOffset, float[] mask, int maskOffset) {
        images.readImage(index, pixels, 0);
        int cols = images.cols();
        int out = featuresOffset;
        for (int pr = 0; pr < patchRows; pr++) {
            for (int pc = 0; pc < patchCols; pc++) {
                for (int r = 0; r < patch; r++) {
                    int rowStart = (pr * patch + r) * cols + pc * patch;
                    for (int c = 0; c < patch; c++) {
                        features[out++] = (pixels[rowStart + c] & 0xff) / 255f;
                    }
                }
            }
        }
        Arrays.fill(mask, maskOffset, maskOffset + length(), 1f);
    }

    @Override
    public PositionLayout layout(int index) {
        images.readImage(index, pixels, 0);
        double[] grey = new double[pixels.length];
        for (int i = 0; i < grey.length; i++) {
            grey[i] = (pixels[i] & 0xff) / 255.0;
        }
        return new PositionLayout.Image(patchRows, patchCols, grey, images.rows(), images.cols());
    }

    @Override
    public String name() {
        return images.path().toString();
    }

    @Override
    public void close() {
        images.close();
    }
}
