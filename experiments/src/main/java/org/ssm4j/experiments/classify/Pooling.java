package org.ssm4j.experiments.classify;

import java.util.Arrays;

/**
 * How a classifier turns a sequence of vectors into one: the pooled vector is
 * {@code Σ_t weight[t] · h[t]} with weights that {@link #weights} computes from the padding
 * mask, so both kinds are one graph.
 */
public enum Pooling {
    /** The mean over the real (unpadded) positions. */
    MEAN("mean"),
    /** The last real position: what a causal model has seen the whole sequence at. */
    LAST("last");

    private final String configName;

    Pooling(String configName) {
        this.configName = configName;
    }

    /** The name in config files. */
    public String configName() {
        return configName;
    }

    /**
     * The pooling a config names.
     *
     * @throws IllegalArgumentException for any other name
     */
    public static Pooling named(String name, String key) {
        for (Pooling p : values()) {
            if (p.configName.equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException(key + " must be one of " + Arrays.stream(values()).map(Pooling::configName).toList()
                + ", got '" + name + "'");
    }

    /**
     * The pooling weights of sequences from their padding mask.
     *
     * @param mask    {@code (batch, length)} row-major, 1 for a real position and 0 for padding
     * @param batch   sequences
     * @param length  positions per sequence
     * @return {@code (batch, length)} row-major weights, each row summing to 1
     * @throws IllegalArgumentException if a sequence has no real position
     */
    public float[] weights(float[] mask, int batch, int length) {
        if (mask.length != batch * length) {
            throw new IllegalArgumentException("mask has " + mask.length + " values, expected batch*length = " + batch * length);
        }
        float[] weights = new float[mask.length];
        for (int b = 0; b < batch; b++) {
            int real = 0;
            int last = -1;
            for (int t = 0; t < length; t++) {
                if (mask[b * length + t] != 0) {
                    real++;
                    last = t;
                }
            }
            if (real == 0) {
                throw new IllegalArgumentException("sequence " + b + " of the batch is all padding: nothing to pool");
            }
            if (this == LAST) {
                weights[b * length + last] = 1f;
            } else {
                for (int t = 0; t < length; t++) {
                    if (mask[b * length + t] != 0) {
                        weights[b * length + t] = 1f / real;
                    }
                }
            }
        }
        return weights;
    }
}
