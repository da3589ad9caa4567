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
     * @throws IllegalArgumentException      for a bidirectional model
     * @throws UnsupportedOperationException for {@code lti}, until samediff-mamba's graph has a
     *                                       mixer whose Δ, B and C do not depend on the input
     */
    public static SequenceModel create(ModelConfig config, int vocabSize, long seed) {
        if (config instanceof SsmConfig s && s.bidirectional()) {
            throw new IllegalArgumentException("model '" + s.name() + "' is bidirectional: a next-token model must not see the "
                    + "tokens it predicts; bidirectional blocks are for classification tasks");
        }
        return switch (config) {
            case TransformerConfig t -> new TransformerModel(t, vocabSize, seed, DataType.FLOAT);
            case SsmConfig s when s.selective() -> new MambaSequenceModel(s, vocabSize, seed, DataType.FLOAT);
            case SsmConfig s -> throw new UnsupportedOperationException("model type '" + s.type()
                    + "' needs a Mamba mixer with input-independent delta, B and C in samediff-mamba's graph, "
                    + "which this build does not have yet");
        };
    }
}
