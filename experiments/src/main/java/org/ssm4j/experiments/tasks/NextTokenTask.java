package org.ssm4j.experiments.tasks;

import org.jspecify.annotations.Nullable;
import org.ssm4j.experiments.eval.EvalResult;
import org.ssm4j.experiments.eval.Evaluator;
import org.ssm4j.experiments.eval.LossGraph;
import org.ssm4j.experiments.models.ModelGraph;
import org.ssm4j.experiments.models.SequenceModel;
import org.ssm4j.experiments.train.TrainingGraph;
import org.ssm4j.experiments.train.TrainingTask;

/**
 * What the next-token training tasks share: a {@link SequenceModel} over the task's
 * vocabulary, trained with the loss of {@link LossGraph} on sequences of one length and
 * scored by an {@link Evaluator}. A subclass supplies the training batches (from
 * {@link #trainingLoss}'s feeds) and its own report sections.
 */
public abstract class NextTokenTask implements TrainingTask {

    private final int length;
    private final SequenceModel model;
    private final Evaluator evaluator;
    private @Nullable LossGraph trainingLoss;

    /**
     * @param length    training sequence length
     * @param model     the model to train
     * @param evaluator its evaluation on the task's held-out sequences
     */
    protected NextTokenTask(int length, SequenceModel model, Evaluator evaluator) {
        this.length = length;
        this.model = model;
        this.evaluator = evaluator;
    }

    @Override
    public final SequenceModel model() {
        return model;
    }

    @Override
    public final int length() {
        return length;
    }

    @Override
    public final TrainingGraph trainingGraph(int batchSize) {
        return withLoss(model.buildGraph(batchSize, length));
    }

    @Override
    public final TrainingGraph trainingGraphPassingState(int batchSize) {
        return withLoss(model.buildGraphCarryingState(batchSize, length));
    }

    private TrainingGraph withLoss(ModelGraph graph) {
        LossGraph loss = LossGraph.attach(graph, model.vocabSize());
        trainingLoss = loss;
        return new TrainingGraph(graph.sameDiff(), loss.loss().name(), graph.batch(), length, graph.carriedStates());
    }

    /**
     * The loss graph {@link #trainingGraph} built as {@code graph}, whose feeds the training
     * batches are.
     *
     * @throws IllegalArgumentException if {@code graph} is not the latest one this task built
     */
    protected final LossGraph trainingLoss(TrainingGraph graph) {
        LossGraph loss = trainingLoss;
        if (loss == null || loss.model().sameDiff() != graph.sameDiff()) {
            throw new IllegalArgumentException("graph was not built by this task's trainingGraph");
        }
        return loss;
    }

    @Override
    public final long estimateForwardBytes(int batch, int length) {
        return model.estimateForwardBytes(batch, length);
    }

    @Override
    public final EvalResult evaluate(int length, int samples) {
        return evaluator.evaluate(length, samples);
    }
}
