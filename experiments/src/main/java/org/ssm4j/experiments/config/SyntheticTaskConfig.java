package org.ssm4j.experiments.config;

import org.ssm4j.experiments.tasks.SyntheticTask;
import org.ssm4j.experiments.tasks.SyntheticTrainingTask;
import org.ssm4j.experiments.train.TaskContext;
import org.ssm4j.experiments.train.TrainingTask;

/** A task whose sequences are generated on the fly ({@link SyntheticTask}): no data files. */
public sealed interface SyntheticTaskConfig extends TaskConfig permits SelectiveCopyingConfig, InductionHeadsConfig {

    /** Number of token ids. */
    int vocabSize();

    /** The task generator this config describes. */
    SyntheticTask create();

    @Override
    default String vocabularyDescription() {
        return "vocabulary " + vocabSize();
    }

    @Override
    default TrainingTask open(TaskContext context) {
        return new SyntheticTrainingTask(create(), length(), context);
    }
}
