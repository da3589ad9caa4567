package org.ssm4j.experiments.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jspecify.annotations.Nullable;
import org.ssm4j.experiments.eval.EvalResult;
import org.ssm4j.experiments.models.TrainableModel;
import org.ssm4j.experiments.report.ReportSection;
import org.ssm4j.experiments.tasks.TaskStream;

import java.nio.file.Path;
import java.util.List;

/**
 * What a run trains, as the {@link Trainer} sees it: a model, the graph of its loss on this
 * task, a resumable stream of training batches and the task's evaluation. Synthetic tasks,
 * language modelling on a corpus and sequence classification each implement it; the trainer
 * (optimiser, schedule, clipping, checkpoints) is the same for all.
 *
 * <p>A task may hold open files (memory-mapped datasets): close it when the run is over.
 */
public interface TrainingTask extends AutoCloseable {

    /** The model being trained; its parameters are what the trainer updates. */
    TrainableModel model();

    /** Positions per training sequence: what the training throughput (tokens per second) counts. */
    int length();

    /**
     * The model's forward graph with the task's scalar loss, for micro-batches of
     * {@code batchSize} training sequences. Its variables are the model's live parameters.
     */
    TrainingGraph trainingGraph(int batchSize);

    /**
     * The training graph as {@link #trainingGraph} builds it, whose sequences start from the
     * recurrent states the previous micro-batch's sequences ended in
     * ({@link TrainingGraph#carriedStates()}; {@code train.state_passing}).
     *
     * @throws IllegalArgumentException if the task or its model cannot carry states
     */
    default TrainingGraph trainingGraphPassingState(int batchSize) {
        throw new IllegalArgumentException("train.state_passing: " + getClass().getSimpleName()
                + " cannot pass states between batches; only the next-token tasks (selective_copying, induction_heads, byte_lm) can");
    }

    /**
     * The training micro-batches as feeds of {@code graph}: from the start of the stream of
     * {@code seed}, or continuing where a checkpointed stream stopped.
     *
     * @param resumeFrom the state a checkpoint saved, or null to start
     */
    TrainingBatches trainingBatches(TrainingGraph graph, long seed, TaskStream.@Nullable State resumeFrom);

    /**
     * Scores the model on the task's held-out sequences of {@code length} positions: at most
     * {@code samples} of them (tasks with a fixed evaluation set may have fewer).
     */
    EvalResult evaluate(int length, int samples);

    /**
     * An estimate of the activation memory of one forward pass of the model over
     * {@code batch} sequences of {@code length}, in bytes (a training step needs a few times
     * more), so that sizes that cannot fit are skipped rather than attempted.
     */
    long estimateForwardBytes(int batch, int length);

    /**
     * Looks at the trained model after the final evaluation and returns the task's own
     * sections of the run report (writing their plots into {@code runDir}); none by default.
     *
     * @param metrics the run's metrics records, in order
     */
    default List<ReportSection> analyse(Path runDir, List<ObjectNode> metrics) {
        return List.of();
    }

    /** Releases the task's data; the default holds none. */
    @Override
    default void close() {
    }
}
