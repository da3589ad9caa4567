package org.ssm4j.experiments.models;

import org.nd4j.linalg.api.buffer.DataType;
import org.ssm4j.experiments.config.ModelConfig;
import org.ssm4j.experiments.config.SsmConfig;
import org.ssm4j.experiments.config.TransformerConfig;

/** Builds the {@link SequenceModel} a {@link ModelConfig} describes. */
public final class SequenceModels {
    private SequenceModels() {
    }

    /**
     * A freshly initialised float32 model.
     *
     * @param config    which model and its sizes
     * @param vocabSize token ids of the task
     * @param seed      initialisation seed
     * @throws IllegalArgumentException for a bidirectional model
     */
    public static SequenceModel create(ModelConfig config, int vocabSize, long seed) {
        if (config instanceof SsmConfig s && s.bidirectional()) {
            throw new IllegalArgumentException("model '" + s.name() + "' is bidirectional: a next-token model must not see the "
                    + "tokens it predicts; bidirectional blocks are for classification tasks");
        }
        return switch (config) {
            case TransformerConfig t -> new TransformerModel(t, vocabSize, seed, DataType.FLOAT);
            case SsmConfig s -> new MambaSequenceModel(s, vocabSize, seed, DataType.FLOAT);
        };
    }
}
