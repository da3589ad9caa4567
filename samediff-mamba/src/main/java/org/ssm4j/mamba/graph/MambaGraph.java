package org.ssm4j.mamba.graph;

import org.jspecify.annotations.Nullable;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.ssm4j.mamba.MambaConfig;
import org.ssm4j.mamba.MambaParameters;
import org.ssm4j.mamba.MambaWeights;
import org.ssm4j.mamba.MixerKind;
import org.ssm4j.ops.SsmOps;
import org.ssm4j.ops.embedding.TokenEmbedding;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A Mamba causal language model as a {@link SameDiff} graph.
 *
 * <p>The graph: token embedding, {@code numHiddenLayers} × (RMSNorm → {@link MambaMixer} →
 * residual add), a final RMSNorm and the LM head (the embedding matrix when tied). The mixers
 * are of the weights' {@link MambaWeights#mixer() kind}: Mamba's selective SSM, or the
 * time-invariant ablation whose Δ, B and C are learned per channel. Its
 * trainable variables carry the Hugging Face parameter names ({@link MambaParameters}), so
 * gradients and optimiser state are addressed by the same names as the checkpoint.
 *
 * <p>Named variables: the placeholders {@value #INPUT_IDS} (batch, length) and
 * {@value #LABELS} (batch, length), both INT64; the outputs {@value #LOGITS}
 * (batch, length, paddedVocab), {@value #LOSS} (scalar), {@value #NORM_F_OUT},
 * and per layer {@link #mixerOutput(int)} and {@link #blockOutput(int)}
 * (batch, length, hiddenSize) and the mixer's step sizes {@link MambaBlocks#deltaOutput(int)}
 * (batch, length, intermediateSize). Batch and length are free: one graph serves any.
 *
 * <p>The loss is the mean cross-entropy of the logits against the labels over the positions
 * whose label is not negative (Hugging Face's convention: -100 marks positions to ignore), and
 * 0 when every label is ignored.
 * For next-token prediction the labels are the inputs shifted left by one with the last
 * position ignored ({@link #nextTokenLabels}).
 *
 * <p>The whole graph runs in the weights' type (FLOAT or DOUBLE); the config's
 * {@code residual_in_fp32} therefore changes nothing here.
 */
public final class MambaGraph {

    /** Token ids placeholder, (batch, length) INT64. */
    public static final String INPUT_IDS = "input_ids";
    /** Target ids placeholder, (batch, length) INT64; negative ids are ignored by the loss. */
    public static final String LABELS = "labels";
    /** Logits, (batch, length, paddedVocabSize). */
    public static final String LOGITS = "logits";
    /** Mean cross-entropy of the logits against the non-negative labels (scalar). */
    public static final String LOSS = "loss";
    /** Output of the final RMSNorm, (batch, length, hiddenSize). */
    public static final String NORM_F_OUT = "norm_f_out";
    /** Label value that the loss ignores. */
    public static final long IGNORE_LABEL = -100;

    private final SameDiff sameDiff;
    private final MambaConfig config;
    private final MixerKind mixer;
    private final DataType dataType;

    private MambaGraph(SameDiff sameDiff, MambaConfig config, MixerKind mixer, DataType dataType) {
        this.sameDiff = sameDiff;
        this.config = config;
        this.mixer = mixer;
        this.dataType = dataType;
    }

    /** Output of layer {@code i}'s mixer, before the residual add: (batch, length, hiddenSize). */
    public static String mixerOutput(int layer) {
        return "mixer_out." + layer;
    }

    /** The residual stream after layer {@code i}: (batch, length, hiddenSize). */
    public static String blockOutput(int layer) {
        return "block_out." + layer;
    }

    /**
     * Layer {@code i}'s convolution state placeholder in a graph built with recurrent state
     * inputs: the last {@code convKernel - 1} inputs of the convolution before the sequence,
     * (batch, intermediateSize, convKernel - 1).
     */
    public static String convStateInput(int layer) {
        return "conv_state_in." + layer;
    }

    /** Layer {@code i}'s SSM state placeholder: the state before the sequence, (batch, intermediateSize, stateSize). */
    public static String ssmStateInput(int layer) {
        return "ssm_state_in." + layer;
    }

    /** Layer {@code i}'s convolution state after the sequence, shaped like {@link #convStateInput}. */
    public static String convStateOutput(int layer) {
        return "conv_state_out." + layer;
    }

    /** Layer {@code i}'s SSM state after the sequence, shaped like {@link #ssmStateInput}. */
    public static String ssmStateOutput(int layer) {
        return "ssm_state_out." + layer;
    }

    /**
     * Builds the graph with these weights as its trainable variables, its mixers of the
     * weights' kind. The graph holds the arrays themselves (no copy): training changes them in
     * place. Every sequence starts from zero states.
     */
    public static MambaGraph build(MambaWeights weights) {
        return build(weights, false);
    }

    /**
     * Builds the graph as {@link #build(MambaWeights)} does; with {@code recurrentStateInputs}
     * every layer's convolution and scan start from the placeholders {@link #convStateInput}
     * and {@link #ssmStateInput} (one state per sequence of the batch) instead of zeros, and
     * their states after the sequence are the outputs {@link #convStateOutput} and
     * {@link #ssmStateOutput}: a sequence can continue where another stopped (the first
     * {@code n} tokens, then the rest from their states, give the logits of the whole).
     *
     * @throws IllegalArgumentException if {@code recurrentStateInputs} and the mixers are not selective
     */
    public static MambaGraph build(MambaWeights weights, boolean recurrentStateInputs) {
        MambaConfig config = weights.config();
        MixerKind mixer = weights.mixer();
        if (recurrentStateInputs && !weights.hasSelectiveMixers()) {
            throw new IllegalArgumentException("recurrent state inputs need selective mixers, got " + mixer);
        }
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> vars = new LinkedHashMap<>();
        weights.tensors().forEach((name, array) -> vars.put(name, sd.var(name, array)));

        SDVariable ids = sd.placeHolder(INPUT_IDS, DataType.INT64, -1, -1);
        SDVariable labels = sd.placeHolder(LABELS, DataType.INT64, -1, -1);
        Shapes shapes = Shapes.ofIds(sd, ids);

        SDVariable embedded = TokenEmbedding.lookup(sd, "embeddings", vars.get(MambaParameters.EMBEDDINGS), ids);
        SDVariable hidden = MambaBlocks.residualLayers(sd, config, mixer, shapes, embedded, vars, false,
                recurrentStateInputs);
        SDVariable normF = SsmOps.rmsNorm(sd, null, shapes.flat(hidden, config.hiddenSize()),
                vars.get(MambaParameters.NORM_F), config.layerNormEpsilon());
        sd.identity(NORM_F_OUT, shapes.sequence(normF, config.hiddenSize()));
        SDVariable head = vars.get(config.tieWordEmbeddings() ? MambaParameters.EMBEDDINGS : MambaParameters.LM_HEAD);
        SDVariable logits2d = sd.mmul(normF, head, false, true, false);
        sd.identity(LOGITS, shapes.sequence(logits2d, config.paddedVocabSize()));
        buildLoss(sd, logits2d, labels, config.paddedVocabSize(), weights.dataType());
        sd.setLossVariables(LOSS);
        return new MambaGraph(sd, config, mixer, weights.dataType());
    }

    /**
     * Mean cross-entropy over the positions with a non-negative label (0 when there is none):
     * {@code logsumexp(logits) - logits[label]}, with the row maximum subtracted inside the
     * exponential. SameDiff M2.1's cross-entropy ops ignore the gradient flowing into them (they
     * assume they are the loss) and its logsumexp loses its axis in the backward pass, so the
     * per-token losses are composed here; the label's logit is picked with the token_embedding
     * op from the logits seen as a (rows·vocab, 1) table, whose backward is a scatter-add.
     */
    private static void buildLoss(SameDiff sd, SDVariable logits2d, SDVariable labels, long vocab, DataType type) {
        SDVariable flatLabels = sd.reshape(labels, -1);
        SDVariable valid = sd.gte(flatLabels, 0);
        SDVariable safeLabels = flatLabels.mul(sd.castTo(valid, DataType.INT64));
        SDVariable rows = sd.range(sd.constant(0L), sd.sizeAt(flatLabels, 0).castTo(DataType.INT64),
                sd.constant(1L), DataType.INT64);
        SDVariable picked = TokenEmbedding.lookup(sd, "label_logit", sd.reshape(logits2d, -1, 1),
                rows.mul(vocab).add(safeLabels));
        SDVariable max = sd.max(logits2d, true, 1);
        SDVariable logSumExp = sd.math.log(sd.math.exp(logits2d.sub(max)).sum(true, 1)).add(max);
        SDVariable perToken = sd.reshape(logSumExp.sub(picked), -1);
        SDVariable counted = sd.castTo(valid, type);
        sd.math.div(LOSS, perToken.mul(counted).sum(), sd.math.max(counted.sum(), sd.constant(1.0).castTo(type)));
    }

    /**
     * Wraps a graph loaded from a model file (a Hugging Face Mamba: selective mixers),
     * checking that it has every variable this class names and every parameter of
     * {@code config} with the right shape.
     *
     * @throws IllegalArgumentException naming what is missing or misshaped
     */
    public static MambaGraph wrap(SameDiff sameDiff, MambaConfig config) {
        List<String> problems = new ArrayList<>();
        DataType type = null;
        for (MambaParameters.Spec spec : MambaParameters.of(config).specs().values()) {
            SDVariable v = sameDiff.getVariable(spec.name());
            if (v == null || v.getVariableType() != VariableType.VARIABLE) {
                problems.add("trainable variable '" + spec.name() + "' is missing");
                continue;
            }
            INDArray a = v.getArr();
            if (!Arrays.equals(a.shape(), spec.shape())) {
                problems.add("variable '" + spec.name() + "' has shape " + Arrays.toString(a.shape()) + "; expected "
                        + Arrays.toString(spec.shape()));
            }
            type = a.dataType();
        }
        List<String> outputs = new ArrayList<>(List.of(INPUT_IDS, LABELS, LOGITS, LOSS, NORM_F_OUT));
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            outputs.add(mixerOutput(i));
            outputs.add(blockOutput(i));
        }
        for (String name : outputs) {
            if (!sameDiff.hasVariable(name)) {
                problems.add("variable '" + name + "' is missing");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("graph is not a Mamba LM of this config: " + String.join("; ", problems));
        }
        return new MambaGraph(sameDiff, config, MixerKind.SELECTIVE, Objects.requireNonNull(type));
    }

    /** The SameDiff graph. */
    public SameDiff sameDiff() {
        return sameDiff;
    }

    /** The model's config. */
    public MambaConfig config() {
        return config;
    }

    /** The kind of every block's mixer. */
    public MixerKind mixer() {
        return mixer;
    }

    /** The type every parameter and activation has (FLOAT or DOUBLE). */
    public DataType dataType() {
        return dataType;
    }

    /** The trainable variables' names (Hugging Face's), in Hugging Face's order. */
    public List<String> parameterNames() {
        return MambaParameters.of(config, mixer).names();
    }

    /** The parameters that take no weight decay: A_log, D, norm weights, biases (dt_bias among them). */
    public Set<String> noWeightDecay() {
        return MambaParameters.of(config, mixer).noWeightDecay();
    }

    /** The current values of the trainable variables (the graph's own arrays, not copies). */
    public MambaWeights weights() {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        for (String name : parameterNames()) {
            tensors.put(name, sameDiff.getVariable(name).getArr());
        }
        return new MambaWeights(config, mixer, tensors);
    }

    /**
     * Runs the graph.
     *
     * @param inputIds (batch, length) token ids, any integer type
     * @param labels   (batch, length) targets (negative: ignored), or null when no requested
     *                 output needs them (only {@value #LOSS} does)
     * @param outputs  variable names to compute
     * @return the requested outputs by name
     * @throws IllegalArgumentException if the ids are not a (batch, length) integer array or
     *                                  hold an id outside the vocabulary
     */
    public Map<String, INDArray> output(INDArray inputIds, @Nullable INDArray labels, String... outputs) {
        return sameDiff.output(placeholders(inputIds, labels), outputs);
    }

    /** The logits, (batch, length, paddedVocabSize), for (batch, length) token ids. */
    public INDArray logits(INDArray inputIds) {
        return output(inputIds, null, LOGITS).get(LOGITS);
    }

    /**
     * The loss and the gradient of every trainable variable, for one batch.
     *
     * @param inputIds (batch, length) token ids
     * @param labels   (batch, length) targets; negative ones are ignored
     */
    public LossAndGradients lossAndGradients(INDArray inputIds, INDArray labels) {
        if (!sameDiff.hasGradientFunction()) {
            GradientFunctions.create(sameDiff);
        }
        var result = sameDiff.calculateGradientsAndOutputs(placeholders(inputIds, labels), List.of(LOSS),
                parameterNames());
        return new LossAndGradients(result.getOutputs().get(LOSS).getDouble(0), result.getGradients());
    }

    /**
     * The loss and the gradients of one batch.
     *
     * @param loss      the mean cross-entropy over the counted positions
     * @param gradients d loss / d parameter, by Hugging Face name
     */
    public record LossAndGradients(double loss, Map<String, INDArray> gradients) {
    }

    /**
     * Next-token labels for a batch of sequences: {@code labels[b, t] = ids[b, t + 1]}, the
     * last position {@value #IGNORE_LABEL}.
     */
    public static INDArray nextTokenLabels(INDArray inputIds) {
        checkIds(inputIds);
        long[] shape = inputIds.shape();
        INDArray labels = Nd4j.valueArrayOf(shape, IGNORE_LABEL, DataType.INT64);
        if (shape[1] > 1) {
            labels.get(NDArrayIndex.all(), NDArrayIndex.interval(0, shape[1] - 1))
                    .assign(inputIds.get(NDArrayIndex.all(), NDArrayIndex.interval(1, shape[1])).castTo(DataType.INT64));
        }
        return labels;
    }

    private Map<String, INDArray> placeholders(INDArray inputIds, @Nullable INDArray labels) {
        checkIds(inputIds);
        long rows = config.paddedVocabSize();
        checkRange("input id", inputIds, 0, rows);
        Map<String, INDArray> feed = new LinkedHashMap<>();
        feed.put(INPUT_IDS, inputIds.castTo(DataType.INT64));
        if (labels != null) {
            if (!Arrays.equals(labels.shape(), inputIds.shape()) || !labels.dataType().isIntType()) {
                throw new IllegalArgumentException("labels must be integers shaped like the input ids "
                        + Arrays.toString(inputIds.shape()) + "; got " + labels.dataType() + Arrays.toString(labels.shape()));
            }
            checkRange("label", labels, Long.MIN_VALUE, rows);
            feed.put(LABELS, labels.castTo(DataType.INT64));
        }
        return feed;
    }

    private static void checkRange(String what, INDArray ids, long min, long end) {
        long lo = ids.minNumber().longValue();
        long hi = ids.maxNumber().longValue();
        if (lo < min || hi >= end) {
            long bad = lo < min ? lo : hi;
            throw new IllegalArgumentException(what + " " + bad + " is outside the vocabulary [0, " + end + ")");
        }
    }

    private static void checkIds(INDArray inputIds) {
        if (inputIds.rank() != 2 || !inputIds.dataType().isIntType() || inputIds.size(1) < 1) {
            throw new IllegalArgumentException("input ids must be a (batch, length) integer array with length >= 1; got "
                    + inputIds.dataType() + Arrays.toString(inputIds.shape()));
        }
    }
}
