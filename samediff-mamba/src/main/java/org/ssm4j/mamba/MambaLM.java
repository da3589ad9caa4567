package org.ssm4j.mamba;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.mamba.graph.MambaGraph;
import org.ssm4j.mamba.graph.MambaInitialization;
import org.ssm4j.mamba.hf.HuggingFaceCheckpoint;
import org.ssm4j.safetensors.DType;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A Mamba causal language model: load it (Hugging Face checkpoint or ssm4j model file),
 * compute logits and scores, train it, save it.
 *
 * <p>Nothing here returns null or throws checked exceptions: bad arguments raise
 * {@link IllegalArgumentException} naming the value and what was expected, I/O failures
 * {@link UncheckedIOException}.
 *
 * <pre>{@code
 * MambaLM lm = MambaLM.load(Path.of("models/mamba-130m-hf"));
 * Score s = lm.score(ids);                    // mean next-token cross-entropy, perplexity
 * lm.save(Path.of("mamba-130m.zip"));         // ssm4j model file
 * lm.exportHuggingFace(Path.of("out/hf"));    // config.json + model.safetensors
 * }</pre>
 *
 * <p>Training: {@link #lossAndGradients} gives the loss and each parameter's gradient by
 * Hugging Face name; {@link #parameterNames()} and {@link #noWeightDecay()} tell an optimiser
 * what to update and what not to decay; {@link #graph()} holds the parameters themselves,
 * which an optimiser updates in place. {@link #sameDiff()} can also be trained with
 * SameDiff's own {@code fit}, whose updater state {@link #save(Path, boolean)} keeps.
 */
public final class MambaLM {

    private final MambaGraph graph;

    private MambaLM(MambaGraph graph) {
        this.graph = graph;
    }

    /**
     * Loads a model: a Hugging Face checkpoint directory (read as FLOAT) or an ssm4j model file
     * (in the type it was saved in, with its updater state if it has one).
     *
     * @throws IllegalArgumentException if the path is neither, or its content is invalid
     * @throws UncheckedIOException     if it cannot be read
     */
    public static MambaLM load(Path path) {
        if (Files.isDirectory(path)) {
            return loadHuggingFace(path, DataType.FLOAT);
        }
        if (MambaModelFile.isModelFile(path)) {
            return new MambaLM(MambaModelFile.load(path, true));
        }
        throw MambaModelFile.notAModel(path);
    }

    /**
     * Loads a Hugging Face checkpoint directory in the given type.
     *
     * @param dataType FLOAT or DOUBLE
     */
    public static MambaLM loadHuggingFace(Path dir, DataType dataType) {
        return fromWeights(HuggingFaceCheckpoint.read(dir, dataType));
    }

    /**
     * A model with these weights (held, not copied).
     *
     * @throws IllegalArgumentException if its mixers are not selective (a time-invariant
     *                                  model has no Hugging Face form: run it with {@link MambaGraph})
     */
    public static MambaLM fromWeights(MambaWeights weights) {
        weights.requireSelective("MambaLM");
        return new MambaLM(MambaGraph.build(weights));
    }

    /**
     * A model initialised for training from scratch ({@link MambaInitialization}).
     *
     * @param dataType FLOAT or DOUBLE
     * @param seed     random seed: the same seed gives the same weights
     */
    public static MambaLM initialize(MambaConfig config, DataType dataType, long seed) {
        return fromWeights(MambaInitialization.initialize(config, dataType, seed));
    }

    /** The model's config. */
    public MambaConfig config() {
        return graph.config();
    }

    /** The type of the parameters and activations: FLOAT or DOUBLE. */
    public DataType dataType() {
        return graph.dataType();
    }

    /** The SameDiff graph and its named variables. */
    public MambaGraph graph() {
        return graph;
    }

    /** The SameDiff instance, e.g. for {@code fit} with a {@code TrainingConfig}. */
    public SameDiff sameDiff() {
        return graph.sameDiff();
    }

    /** The current parameters (the graph's own arrays). */
    public MambaWeights weights() {
        return graph.weights();
    }

    /** Trainable parameter names (Hugging Face's), in checkpoint order. */
    public List<String> parameterNames() {
        return graph.parameterNames();
    }

    /** Parameters that take no weight decay: A_log, D, norm weights, biases. */
    public Set<String> noWeightDecay() {
        return graph.noWeightDecay();
    }

    /** Number of trainable scalars (a tied LM head counted once). */
    public long parameterCount() {
        return MambaParameters.of(config()).count();
    }

    /**
     * Logits for a batch of token sequences.
     *
     * @param inputIds (batch, length) ids in {@code [0, paddedVocabSize)}, any integer type
     * @return (batch, length, paddedVocabSize)
     */
    public INDArray logits(INDArray inputIds) {
        return graph.logits(inputIds);
    }

    /** Logits for one token sequence: (length, paddedVocabSize). */
    public INDArray logits(long... ids) {
        INDArray logits = graph.logits(row(ids));
        return logits.reshape(logits.size(1), logits.size(2));
    }

    /**
     * Mean next-token cross-entropy and perplexity over a batch: every position but the last
     * of each sequence predicts the next token.
     *
     * @param inputIds (batch, length) ids, length at least 2
     */
    public Score score(INDArray inputIds) {
        if (inputIds.rank() != 2 || inputIds.size(1) < 2) {
            throw new IllegalArgumentException("scoring needs (batch, length) ids with length >= 2; got shape "
                    + Arrays.toString(inputIds.shape()));
        }
        INDArray loss = graph.output(inputIds, MambaGraph.nextTokenLabels(inputIds), MambaGraph.LOSS)
                .get(MambaGraph.LOSS);
        return Score.ofLoss(loss.getDouble(0), inputIds.size(0) * (inputIds.size(1) - 1));
    }

    /** {@link #score(INDArray)} for one token sequence (at least 2 tokens). */
    public Score score(long... ids) {
        return score(row(ids));
    }

    /**
     * The training hook: the loss of a batch and the gradient of every parameter.
     *
     * @param inputIds (batch, length) ids
     * @param labels   (batch, length) targets; negative labels are ignored
     *                 ({@link MambaGraph#nextTokenLabels} makes next-token labels)
     */
    public MambaGraph.LossAndGradients lossAndGradients(INDArray inputIds, INDArray labels) {
        return graph.lossAndGradients(inputIds, labels);
    }

    /** Saves an ssm4j model file (graph, weights, config) without updater state. */
    public void save(Path file) {
        save(file, false);
    }

    /**
     * Saves an ssm4j model file ({@link MambaModelFile}), atomically.
     *
     * @param withUpdaterState also keep the updater state of SameDiff's {@code fit}, to continue training
     */
    public void save(Path file, boolean withUpdaterState) {
        MambaModelFile.save(graph, file, withUpdaterState);
    }

    /** Writes a Hugging Face checkpoint directory with float32 weights. */
    public void exportHuggingFace(Path dir) {
        exportHuggingFace(dir, DType.F32);
    }

    /**
     * Writes a Hugging Face checkpoint directory ({@code config.json} + {@code model.safetensors})
     * that transformers' {@code MambaForCausalLM.from_pretrained} loads.
     *
     * @param storage F32, F16, BF16 or F64
     */
    public void exportHuggingFace(Path dir, DType storage) {
        HuggingFaceCheckpoint.write(weights(), dir, Objects.requireNonNull(storage, "storage"));
    }

    private static INDArray row(long[] ids) {
        return Nd4j.createFromArray(ids).reshape(1, ids.length);
    }
}
