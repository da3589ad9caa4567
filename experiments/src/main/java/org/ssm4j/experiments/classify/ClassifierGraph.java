package org.ssm4j.experiments.classify;

import org.jspecify.annotations.Nullable;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * A {@link SequenceClassifier}'s graph for one batch shape, with the classification loss.
 *
 * @param sameDiff         the graph; its variables are the classifier's live parameters
 * @param featuresName     placeholder {@code (batch, length, channels)} of input values
 * @param poolWeightsName  placeholder {@code (batch, length)} of pooling weights ({@link Pooling#weights})
 * @param maskName         placeholder {@code (batch, length)} of the padding mask, or null when
 *                         the graph was built for unpadded data
 * @param targetsName      placeholder {@code (batch, classes)}: {@code 1/batch} at each
 *                         example's class, 0 elsewhere
 * @param logits           class logits {@code (batch, classes)}
 * @param loss             mean cross-entropy over the batch
 * @param batch            sequences per batch
 * @param length           positions per sequence
 */
public record ClassifierGraph(SameDiff sameDiff, String featuresName, String poolWeightsName, @Nullable String maskName,
                              String targetsName, SDVariable logits, SDVariable loss, int batch, int length) {
}
