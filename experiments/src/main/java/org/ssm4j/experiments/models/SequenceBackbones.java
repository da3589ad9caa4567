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
     * @param rng    initialisation stream: the Transformer draws its matrices from it in
     *               parameter order, Mamba (initialised by samediff-mamba) its seed
     * @param dtype  parameter type
     */
    public static SequenceBackbone create(ModelConfig config, SplitMix64 rng, DataType dtype) {
        return switch (config) {
            case TransformerConfig t -> new TransformerBlocks(t, rng, dtype);
            case SsmConfig s -> new MambaBackbone(s, rng.nextLong(), dtype);
        };
    }
}
