package org.ssm4j.datasets;

import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One training or evaluation batch as ND4J arrays. The first dimension of every array is the
 * batch. Masks hold 1 for a real element and 0 for padding; every batch source provides them
 * (all ones where nothing is padded), so a trainer can apply them without special cases.
 *
 * <p>Shapes by source: language-model windows give features and labels {@code INT [batch,
 * length]} (inputs and next-token targets) with masks {@code FLOAT [batch, length]}; images
 * give features {@code FLOAT [batch, rows, cols]} in [0, 1] with mask {@code FLOAT [batch,
 * rows]}, labels {@code INT [batch]}; audio gives features {@code FLOAT [batch, time, 1]} in
 * [-1, 1) zero-padded to the longest recording with mask {@code FLOAT [batch, time]}, labels
 * {@code INT [batch]}. Classification label masks are {@code FLOAT [batch]}.
 *
 * @param features the inputs
 * @param labels the targets
 * @param featuresMask 1/0 per feature time step (or row)
 * @param labelsMask 1/0 per label
 */
public record Batch(INDArray features, INDArray labels, INDArray featuresMask, INDArray labelsMask) {

    public Batch {
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(featuresMask, "featuresMask");
        Objects.requireNonNull(labelsMask, "labelsMask");
    }

    /** @return the number of examples in this batch (the last batch of an epoch may be smaller) */
    public int size() {
        return (int) features.size(0);
    }
}
