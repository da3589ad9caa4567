package org.ssm4j.experiments.models;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.ssm4j.experiments.config.TransformerConfig;
import org.ssm4j.experiments.tasks.SplitMix64;
import org.ssm4j.experiments.tasks.TaskStream;
import org.ssm4j.ops.embedding.TokenEmbedding;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Transformer baseline as a causal language model: token embedding (nd4j-ssm-ops'
 * {@code token_embedding} op, whose backward pass sums repeated ids), the causal
 * {@link TransformerBlocks} (pre-norm attention and GELU MLP blocks with rotary positions,
 * final RMSNorm) and the output head (the transposed embedding when tied). No biases, so the
 * no-decay set is the norm weights.
 *
 * <p>Initialisation (GPT-2): the embedding N(0, 0.02²), then the blocks' matrices, then an
 * untied head N(0, 0.02²); drawn from the seed's initialisation stream in parameter order, so
 * the same seed gives the same model anywhere.
 */
public final class TransformerModel extends ParameterOwner implements SequenceModel {

    private final TransformerConfig config;
    private final int vocab;
    private final DataType dtype;
    private final TransformerBlocks blocks;

    /**
     * Builds and initialises the model.
     *
     * @param config    sizes
     * @param vocabSize token ids the model reads and predicts
     * @param seed      initialisation seed
     * @param dtype     parameter and activation type (FLOAT for training, DOUBLE for
     *                  gradient checks)
     */
    public TransformerModel(TransformerConfig config, int vocabSize, long seed, DataType dtype) {
        if (vocabSize < 2) {
            throw new IllegalArgumentException("vocabSize must be >= 2, got " + vocabSize);
        }
        if (!dtype.isFPType()) {
            throw new IllegalArgumentException("dtype must be floating point, got " + dtype);
        }
        this.config = config;
        this.vocab = vocabSize;
        this.dtype = dtype;
        SplitMix64 rng = SplitMix64.forStream(seed, TaskStream.Streams.INIT);
        addParameter("embedding", TransformerBlocks.gaussian(rng, TransformerBlocks.INIT_STD, vocab, config.dModel(), dtype), true);
        blocks = new TransformerBlocks(config, rng, dtype);
        addParameters(blocks.parameters(), blocks.noDecayParameterNames());
        if (!config.tiedHead()) {
            addParameter("head", TransformerBlocks.gaussian(rng, TransformerBlocks.INIT_STD, config.dModel(), vocab, dtype), true);
        }
    }

    @Override
    public TransformerConfig config() {
        return config;
    }

    @Override
    public int vocabSize() {
        return vocab;
    }

    @Override
    public ModelGraph buildGraph(int batch, int length) {
        if (batch <= 0 || length <= 0) {
            throw new IllegalArgumentException("batch and length must be positive, got " + batch + " and " + length);
        }
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> w = new LinkedHashMap<>();
        parameters().forEach((name, array) -> w.put(name, sd.var(name, array)));
        SDVariable ids = sd.placeHolder("input_ids", DataType.INT64, batch, length);
        SDVariable x = TokenEmbedding.lookup(sd, "embedded", w.get("embedding"), ids).reshape((long) batch * length, config.dModel());
        x = blocks.apply(sd, w, x, batch, length, true, null);
        SDVariable logits = config.tiedHead()
                ? sd.mmul(x, w.get("embedding"), false, true, false)
                : x.mmul(w.get("head"));
        return new ModelGraph(sd, ids.name(), logits.reshape(batch, length, vocab).rename("logits"), batch, length);
    }

    @Override
    public long estimateForwardBytes(int batch, int length) {
        return blocks.estimateForwardBytes(batch, length);
    }
}
