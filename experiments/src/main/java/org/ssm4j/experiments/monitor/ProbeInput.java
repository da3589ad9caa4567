package org.ssm4j.experiments.monitor;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * One input to look at the model through: a graph built for a batch of one, its placeholder
 * values, what the input is (for the figure's subtitle) and how its positions are drawn.
 *
 * @param sameDiff    the graph
 * @param feeds       its placeholders for the input
 * @param description what the input is, e.g. "test image 0 (label 7)"
 * @param layout      how positions map onto the figure
 */
public record ProbeInput(SameDiff sameDiff, Map<String, INDArray> feeds, String description, PositionLayout layout) {
}
