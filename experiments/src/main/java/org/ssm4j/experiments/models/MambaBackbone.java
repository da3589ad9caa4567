package org.ssm4j.experiments.models;

import org.jspecify.annotations.Nullable;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.experiments.config.SsmConfig;
import org.ssm4j.mamba.MambaConfig;
import org.ssm4j.mamba.MambaParameters;
import org.ssm4j.mamba.MixerKind;
import org.ssm4j.mamba.graph.MambaBlocks;

import java.util.Map;

/**
 * Mamba's residual blocks ({@link MambaBlocks} of samediff-mamba) as a backbone, causal or
 * bidirectional; sized as {@link MambaSequenceModel} sizes a language model (with a
 * vocabulary of one token, since the blocks have no embedding) and initialised as the Mamba
 * reference initialises a model ({@link MambaBlocks#initialize}); {@code type: lti} gives the
 * blocks time-invariant mixers ({@link MixerKind#TIME_INVARIANT}).
 *
 * <p>A causal stack ignores the padding mask: padding sits at the end of a sequence, where it
 * cannot reach the real positions before it. A bidirectional stack would carry the padding
 * back into them, so it refuses padded input.
 */
public final class MambaBackbone extends ParameterOwner implements SequenceBackbone {

    private final SsmConfig config;
    private final MixerKind mixer;
    private final MambaConfig mambaConfig;
    private final DataType dtype;

    /**
     * @param config sizes ({@code type: mamba} or {@code lti})
     * @param seed   initialisation seed
     * @param dtype  FLOAT or DOUBLE
     */
    public MambaBackbone(SsmConfig config, long seed, DataType dtype) {
        this.config = config;
        this.mixer = MambaSequenceModel.mixer(config);
        this.dtype = dtype;
        this.mambaConfig = MambaSequenceModel.mambaConfig(config, 1);
        Map<String, INDArray> initial = MambaBlocks.initialize(mambaConfig, mixer, config.bidirectional(), dtype, seed);
        Map<String, MambaParameters.Spec> specs = MambaBlocks.specs(mambaConfig, mixer, config.bidirectional());
        initial.forEach((name, array) -> addParameter(name, array, specs.get(name).weightDecay()));
    }

    /** The samediff-mamba config the blocks were built with. */
    public MambaConfig mambaConfig() {
        return mambaConfig;
    }

    /** Whether each block also scans back to front. */
    public boolean bidirectional() {
        return config.bidirectional();
    }

    @Override
    public int width() {
        return config.dModel();
    }

    @Override
    public SDVariable apply(SameDiff sd, Map<String, SDVariable> weights, SDVariable rows, int batch, int length,
                            boolean causal, @Nullable SDVariable mask) {
        if (mask != null && config.bidirectional()) {
            throw new IllegalArgumentException("a bidirectional Mamba would carry the padding at the end of a sequence back into "
                    + "its real positions; use unpadded data or a causal model");
        }
        return MambaBlocks.apply(sd, mambaConfig, mixer, rows.reshape(batch, length, config.dModel()), weights,
                config.bidirectional());
    }

    /**
     * The scan dominates: per layer (and direction) a handful of {@code (batch, length,
     * d_inner)} activations and the {@code (batch, length, d_inner, d_state)}-free scan's
     * inputs {@code (batch, length, 2·d_state + rank)} (for {@code lti}: see
     * {@link MambaSequenceModel#scanMatrixValues}).
     */
    @Override
    public long estimateForwardBytes(int batch, int length) {
        long directions = config.bidirectional() ? 2 : 1;
        long perLayer = (long) batch * length * (8L * mambaConfig.intermediateSize() + 4L * config.dModel())
                + MambaSequenceModel.scanMatrixValues(mambaConfig, mixer, batch, length);
        return directions * config.nLayers() * perLayer * dtype.width();
    }
}
