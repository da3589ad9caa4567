package org.ssm4j.experiments.models;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import java.util.List;

/**
 * A model's forward graph for one batch shape.
 *
 * @param sameDiff  the graph; its variables are the model's parameter arrays
 * @param inputName placeholder of integer token ids {@code (batch, length)} (any integer type)
 * @param logits    output logits {@code (batch, length, vocab)}
 * @param batch     sequences per batch the graph was built for
 * @param length    tokens per sequence the graph was built for
 * @param carriedStates the recurrent states the graph takes and gives back (empty unless it
 *                  was built to carry them: {@link SequenceModel#buildGraphCarryingState})
 */
public record ModelGraph(SameDiff sameDiff, String inputName, SDVariable logits, int batch, int length,
                         List<CarriedState> carriedStates) {

    /** A graph whose sequences start from zero states. */
    public ModelGraph(SameDiff sameDiff, String inputName, SDVariable logits, int batch, int length) {
        this(sameDiff, inputName, logits, batch, length, List.of());
    }
}
