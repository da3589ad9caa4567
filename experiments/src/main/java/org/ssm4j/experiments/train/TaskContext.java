package org.ssm4j.experiments.train;

import org.ssm4j.experiments.config.ExperimentConfig;
import org.ssm4j.experiments.config.ModelConfig;

import java.nio.file.Path;

/**
 * What a task needs to know about the run that opens it.
 *
 * @param model           the model to build
 * @param seed            the run's seed (initialisation, batches, evaluation sets)
 * @param evalBatchSize   sequences per evaluation forward pass
 * @param maxForwardBytes evaluation lengths whose forward pass the model estimates above this
 *                        are skipped
 * @param runDir          the run directory (where tasks that prepare data keep it by default)
 */
public record TaskContext(ModelConfig model, long seed, int evalBatchSize, long maxForwardBytes, Path runDir) {

    /** The context of a run of {@code config}'s only model in {@code runDir}. */
    public static TaskContext of(ExperimentConfig config, Path runDir) {
        return new TaskContext(config.singleModel(), config.train().seed(), config.eval().batchSize(),
                config.eval().maxMemoryBytes(), runDir);
    }
}
