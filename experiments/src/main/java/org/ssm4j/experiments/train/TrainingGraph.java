package org.ssm4j.experiments.train;

import org.nd4j.autodiff.samediff.SameDiff;

/**
 * A graph the trainer differentiates: a model's forward pass and a task's loss for one
 * micro-batch shape.
 *
 * @param sameDiff  the graph; its variables are the model's parameters, by the same names
 * @param lossName  the scalar loss variable (mean over the micro-batch's scored positions)
 * @param batchSize sequences per micro-batch
 * @param length    positions per sequence
 */
public record TrainingGraph(SameDiff sameDiff, String lossName, int batchSize, int length) {
}
