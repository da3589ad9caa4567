package org.ssm4j.experiments.train;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.experiments.tasks.TaskStream;

import java.util.Map;

/** An endless, resumable stream of training micro-batches, each as the feeds of a {@link TrainingGraph}. */
public interface TrainingBatches {

    /** The placeholder values of the next micro-batch. */
    Map<String, INDArray> next();

    /** The state a checkpoint saves; {@link TrainingTask#trainingBatches} with it continues the stream. */
    TaskStream.State state();
}
