package org.ssm4j.experiments.eval;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.experiments.models.GraphLayers;
import org.ssm4j.experiments.models.ModelGraph;
import org.ssm4j.experiments.tasks.TaskBatch;

import java.util.Map;

/**
 * A model graph with the answer loss on top: the mean cross-entropy over the answer positions
 * of a batch (every other position weighs nothing).
 *
 * <p>The loss is {@code -sum(log_softmax(logits) * weights)}, where the weights placeholder
 * holds {@code 1/answers} at each answer position's target token and 0 elsewhere, so one graph
 * serves every task whatever its answer positions.
 *
 * @param model             the forward graph
 * @param targetWeightsName placeholder {@code (batch*length, vocab)} of loss weights ({@code answer_weights})
 * @param loss              scalar loss ({@code answer_loss}; the model graph's own loss, if it
 *                          has one, is left in place but is no longer the graph's loss)
 * @param vocab             token ids the model predicts
 */
public record LossGraph(ModelGraph model, String targetWeightsName, SDVariable loss, int vocab) {

    /** Adds the loss to {@code model}'s graph and marks it as the graph's loss. */
    public static LossGraph attach(ModelGraph model, int vocab) {
        SameDiff sd = model.sameDiff();
        long rows = (long) model.batch() * model.length();
        SDVariable weights = sd.placeHolder("answer_weights", model.logits().dataType(), rows, vocab);
        SDVariable logProbabilities = GraphLayers.logSoftmax(sd, model.logits().reshape(rows, vocab));
        SDVariable loss = logProbabilities.mul(weights).sum().neg().rename("answer_loss");
        sd.setLossVariables(loss);
        return new LossGraph(model, weights.name(), loss, vocab);
    }

    /** The placeholder values for {@code batch}, which must have the graph's shape. */
    public Map<String, INDArray> feeds(TaskBatch batch) {
        if (batch.batchSize() != model.batch() || batch.length() != model.length()) {
            throw new IllegalArgumentException("graph was built for batches of " + model.batch() + " x " + model.length()
                    + ", got " + batch.batchSize() + " x " + batch.length());
        }
        int answers = batch.answerCount();
        if (answers == 0) {
            throw new IllegalArgumentException("batch has no answer positions: nothing to score");
        }
        int[] targets = batch.targets();
        double[] weights = new double[targets.length * vocab];
        for (int i = 0; i < targets.length; i++) {
            int t = targets[i];
            if (t == TaskBatch.NO_ANSWER) {
                continue;
            }
            if (t < 0 || t >= vocab) {
                throw new IllegalArgumentException("target token " + t + " at position " + i + " is outside the vocabulary [0, "
                        + vocab + ")");
            }
            weights[i * vocab + t] = 1.0 / answers;
        }
        for (int i = 0; i < batch.inputs().length; i++) {
            int token = batch.inputs()[i];
            if (token < 0 || token >= vocab) {
                throw new IllegalArgumentException("input token " + token + " at position " + i + " is outside the vocabulary [0, "
                        + vocab + ")");
            }
        }
        DataType idType = model.sameDiff().getVariable(model.inputName()).dataType();
        INDArray ids = Nd4j.createFromArray(batch.inputs()).reshape(batch.batchSize(), batch.length()).castTo(idType);
        INDArray targetWeights = Nd4j.create(weights, new long[]{targets.length, vocab}, DataType.DOUBLE)
                .castTo(model.logits().dataType());
        return Map.of(model.inputName(), ids, targetWeightsName, targetWeights);
    }
}
