package org.ssm4j.experiments.tasks;

import org.jspecify.annotations.Nullable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.experiments.eval.Evaluator;
import org.ssm4j.experiments.eval.LossGraph;
import org.ssm4j.experiments.models.SequenceModel;
import org.ssm4j.experiments.models.SequenceModels;
import org.ssm4j.experiments.train.TaskContext;
import org.ssm4j.experiments.train.TrainingBatches;
import org.ssm4j.experiments.train.TrainingGraph;

import java.util.Map;

/**
 * A {@link SyntheticTask} as a training task: a next-token model over the task's vocabulary,
 * the answer loss of {@link LossGraph}, batches from a seeded {@link TaskStream}, evaluation
 * on the fixed sets of {@link Evaluator}.
 */
public final class SyntheticTrainingTask extends NextTokenTask {

    private final SyntheticTask task;

    /**
     * @param task    the generator
     * @param length  training sequence length
     * @param context the run (model config, seed, evaluation settings)
     */
    public SyntheticTrainingTask(SyntheticTask task, int length, TaskContext context) {
        this(task, length, SequenceModels.create(context.model(), task.vocabSize(), context.seed()), context);
    }

    /**
     * The task with a model built elsewhere (a DOUBLE model for exact comparisons, say).
     *
     * @param model a model over the task's vocabulary
     */
    public SyntheticTrainingTask(SyntheticTask task, int length, SequenceModel model, TaskContext context) {
        super(length, model, new Evaluator(model, task, context.evalBatchSize(), context.seed(), context.maxForwardBytes()));
        this.task = task;
    }

    @Override
    public TrainingBatches trainingBatches(TrainingGraph graph, long seed, TaskStream.@Nullable State resumeFrom) {
        LossGraph loss = trainingLoss(graph);
        TaskStream stream = resumeFrom == null ? TaskStream.start(task, graph.batchSize(), length(), seed)
                : TaskStream.resume(task, graph.batchSize(), length(), resumeFrom);
        return new TrainingBatches() {
            @Override
            public Map<String, INDArray> next() {
                return loss.feeds(stream.next());
            }

            @Override
            public TaskStream.State state() {
                return stream.state();
            }
        };
    }
}
