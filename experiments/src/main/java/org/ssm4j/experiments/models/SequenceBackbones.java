package org.ssm4j.experiments.models;

import org.nd4j.linalg.api.buffer.DataType;
import org.ssm4j.experiments.config.ModelConfig;
import org.ssm4j.experiments.config.SsmConfig;
import org.ssm4j.experiments.config.TransformerConfig;
import org.ssm4j.experiments.tasks.SplitMix64;

/** Builds the {@link SequenceBackbone} a {@link ModelConfig} describes, for models with their own input and output layers. */
public final class SequenceBackbones {
    private SequenceBackbones() {
    }

    /**
     * Fresh blocks.
     *
     * @param config which model and its sizes
     * @param rng    initialisation stream, drawn from in parameter order
     * @param dtype  parameter type
     * @throws UnsupportedOperationException for {@code mamba} and {@code lti} until the
     *                                       samediff-mamba blocks are part of the build
     */
    public static SequenceBackbone create(ModelConfig config, SplitMix64 rng, DataType dtype) {
        return switch (config) {
            case TransformerConfig t -> new TransformerBlocks(t, rng, dtype);
            case SsmConfig s -> throw new UnsupportedOperationException("model type '" + s.type()
                    + "' needs the Mamba blocks of samediff-mamba, which this build does not contain yet");
        };
    }
}
