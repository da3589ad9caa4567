package org.ssm4j.experiments.models;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.experiments.config.SsmConfig;
import org.ssm4j.mamba.MambaConfig;
import org.ssm4j.mamba.MambaParameters;
import org.ssm4j.mamba.MambaWeights;
import org.ssm4j.mamba.MixerKind;
import org.ssm4j.mamba.graph.MambaGraph;
import org.ssm4j.mamba.graph.MambaInitialization;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Mamba language model of samediff-mamba ({@link MambaGraph}) as a {@link SequenceModel}:
 * a {@link MambaConfig} from the experiment's {@link SsmConfig} (the task's vocabulary, no
 * vocabulary padding, mamba_ssm's defaults otherwise), weights from
 * {@link MambaInitialization} with the run's seed, and Hugging Face's parameter names and
 * no-decay set ({@code A_log}, {@code D}, norm weights, biases).
 *
 * <p>{@code type: mamba} builds selective mixers; {@code type: lti} the time-invariant ones
 * ({@link MixerKind#TIME_INVARIANT}: Δ, B and C learned per channel, with {@code dt_bias}
 * among the no-decay parameters).
 */
public final class MambaSequenceModel implements SequenceModel {

    private final SsmConfig config;
    private final MambaWeights weights;

    /**
     * @param config    the experiment's model section ({@code type: mamba} or {@code lti})
     * @param vocabSize the task's token ids
     * @param seed      initialisation seed
     * @param dtype     FLOAT for training, DOUBLE for gradient checks
     */
    public MambaSequenceModel(SsmConfig config, int vocabSize, long seed, DataType dtype) {
        this.config = config;
        this.weights = MambaInitialization.initialize(mambaConfig(config, vocabSize), mixer(config), dtype, seed);
    }

    /** The mixers of an experiment's SSM model section: selective for {@code mamba}, time-invariant for {@code lti}. */
    public static MixerKind mixer(SsmConfig config) {
        return config.selective() ? MixerKind.SELECTIVE : MixerKind.TIME_INVARIANT;
    }

    /** The samediff-mamba config of an experiment's SSM model section. */
    public static MambaConfig mambaConfig(SsmConfig config, int vocabSize) {
        return MambaConfig.builder()
                .vocabSize(vocabSize)
                .padVocabSizeMultiple(1)
                .hiddenSize(config.dModel())
                .numHiddenLayers(config.nLayers())
                .stateSize(config.dState())
                .convKernel(config.dConv())
                .expand(config.expand())
                .timeStepRank(config.resolvedDtRank())
                .tieWordEmbeddings(config.tiedHead())
                .bosTokenId(null).eosTokenId(null).padTokenId(null)
                .build();
    }

    /**
     * A Mamba language model's parameters (a trained model's, a checkpoint's) as samediff-mamba's
     * weights, which its Hugging Face export and recurrent generation take; the vocabulary is
     * the embedding's row count.
     *
     * @throws IllegalArgumentException if the parameters are not those of a Mamba LM of this config
     */
    public static MambaWeights weights(SsmConfig config, Map<String, INDArray> parameters) {
        INDArray embeddings = parameters.get(MambaParameters.EMBEDDINGS);
        if (embeddings == null || embeddings.rank() != 2) {
            throw new IllegalArgumentException("the parameters hold no token embedding '" + MambaParameters.EMBEDDINGS
                    + "': not a Mamba language model (a classifier's blocks?); parameters: " + parameters.keySet());
        }
        return new MambaWeights(mambaConfig(config, (int) embeddings.size(0)), mixer(config), parameters);
    }

    /** The model's weights as samediff-mamba's (the live arrays). */
    public MambaWeights weights() {
        return weights;
    }

    @Override
    public SsmConfig config() {
        return config;
    }

    @Override
    public int vocabSize() {
        return weights.config().vocabSize();
    }

    @Override
    public Map<String, INDArray> parameters() {
        return weights.tensors();
    }

    @Override
    public Set<String> noDecayParameterNames() {
        return MambaParameters.of(weights.config(), weights.mixer()).noWeightDecay();
    }

    /** Builds samediff-mamba's graph (any batch and length) on this model's arrays. */
    @Override
    public ModelGraph buildGraph(int batch, int length) {
        checkSize(batch, length);
        MambaGraph graph = MambaGraph.build(weights);
        return new ModelGraph(graph.sameDiff(), MambaGraph.INPUT_IDS, graph.sameDiff().getVariable(MambaGraph.LOGITS), batch, length);
    }

    /**
     * Builds samediff-mamba's graph with recurrent state inputs ({@link MambaGraph#build(MambaWeights, boolean)}):
     * per layer the convolution state and the SSM state, shaped as the graph's placeholders are
     * for {@code batch} sequences.
     *
     * @throws IllegalArgumentException for the time-invariant (lti) mixers
     */
    @Override
    public ModelGraph buildGraphCarryingState(int batch, int length) {
        checkSize(batch, length);
        if (!weights.hasSelectiveMixers()) {
            throw new IllegalArgumentException("train.state_passing needs a selective Mamba (type mamba); this model's mixers are "
                    + weights.mixer());
        }
        SameDiff sd = MambaGraph.build(weights, true).sameDiff();
        List<CarriedState> states = new ArrayList<>();
        for (int i = 0; i < weights.config().numHiddenLayers(); i++) {
            states.add(carried(sd, MambaGraph.convStateInput(i), MambaGraph.convStateOutput(i), batch));
            states.add(carried(sd, MambaGraph.ssmStateInput(i), MambaGraph.ssmStateOutput(i), batch));
        }
        return new ModelGraph(sd, MambaGraph.INPUT_IDS, sd.getVariable(MambaGraph.LOGITS), batch, length, List.copyOf(states));
    }

    /** The state behind placeholder {@code input}, its batch axis set to {@code batch}. */
    private static CarriedState carried(SameDiff sd, String input, String output, int batch) {
        SDVariable placeholder = sd.getVariable(input);
        long[] shape = placeholder.placeholderShape().clone();
        shape[0] = batch;
        return new CarriedState(input, output, shape, placeholder.dataType());
    }

    private static void checkSize(int batch, int length) {
        if (batch <= 0 || length <= 0) {
            throw new IllegalArgumentException("batch and length must be positive, got " + batch + " and " + length);
        }
    }

    /**
     * Per layer, a dozen (batch·length, d_inner)-sized activations (in_proj halves, convolution,
     * Δ, scan output, gate, their gradients' shapes in the forward session), the scan's B and
     * C ({@link #scanMatrixValues}) and the residual stream; then the logits and their
     * log-softmax.
     */
    @Override
    public long estimateForwardBytes(int batch, int length) {
        MambaConfig c = weights.config();
        long rows = (long) batch * length;
        long perLayer = rows * (12L * c.intermediateSize() + 4L * c.hiddenSize())
                + scanMatrixValues(c, weights.mixer(), batch, length);
        return (c.numHiddenLayers() * perLayer + 4 * rows * c.paddedVocabSize()) * weights.dataType().width();
    }

    /**
     * Values one mixer holds for the scan's B and C: the x_proj columns (Δ's rank, B and C at
     * every position of every sequence) for a selective mixer; for a time-invariant one B and
     * C at every position (shared by the sequences) and its d_inner²·batch spreading matrix.
     */
    static long scanMatrixValues(MambaConfig c, MixerKind mixer, int batch, int length) {
        return mixer == MixerKind.SELECTIVE
                ? (long) batch * length * (c.timeStepRank() + 2L * c.stateSize())
                : 2L * length * c.intermediateSize() * c.stateSize() + (long) c.intermediateSize() * c.intermediateSize() * batch;
    }
}
