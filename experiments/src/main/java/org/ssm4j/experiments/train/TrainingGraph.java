package org.ssm4j.experiments.train;

import org.nd4j.autodiff.samediff.SameDiff;
import org.ssm4j.experiments.models.CarriedState;

import java.util.List;

/**
 * A graph the trainer differentiates: a model's forward pass and a task's loss for one
 * micro-batch shape.
 *
 * @param sameDiff  the graph; its variables are the model's parameters, by the same names
 * @param lossName  the scalar loss variable (mean over the micro-batch's scored positions)
 * @param batchSize sequences per micro-batch
 * @param length    positions per sequence
 * @param carriedStates recurrent states the graph takes and gives back, which the trainer
 *                  passes from each micro-batch to the next ({@code train.state_passing}); empty
 *                  for a graph whose sequences start from zero states
 */
public record TrainingGraph(SameDiff sameDiff, String lossName, int batchSize, int length,
                            List<CarriedState> carriedStates) {

    /** A graph whose sequences start from zero states. */
    public TrainingGraph(SameDiff sameDiff, String lossName, int batchSize, int length) {
        this(sameDiff, lossName, batchSize, length, List.of());
    }
}
