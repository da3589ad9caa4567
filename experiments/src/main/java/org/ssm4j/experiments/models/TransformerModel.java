package org.ssm4j.experiments.models;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.experiments.config.TransformerConfig;
import org.ssm4j.experiments.tasks.SplitMix64;
import org.ssm4j.experiments.tasks.TaskStream;
import org.ssm4j.ops.embedding.TokenEmbedding;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The Transformer baseline as a SameDiff graph: token embedding (nd4j-ssm-ops'
 * {@code token_embedding} op, whose backward pass sums repeated ids), {@code n_layers} pre-norm
 * blocks of causal multi-head self-attention and a GELU MLP, a final RMSNorm and the output
 * head (the transposed embedding when tied). No biases, so the no-decay set is the norm
 * weights.
 *
 * <p>Positions are rotary (RoPE, rotate-half form, as GPT-NeoX): they are relative, so the
 * model runs at any length and degrades more gracefully beyond the training length than
 * learned absolute positions, which have no embedding for unseen positions at all.
 *
 * <p>Initialisation (GPT-2): matrices N(0, 0.02²), the two residual output projections of
 * each block N(0, (0.02/√(2·n_layers))²), norm weights 1; drawn from the seed's
 * initialisation stream in parameter order, so the same seed gives the same model anywhere.
 */
public final class TransformerModel implements SequenceModel {

    private static final double INIT_STD = 0.02;
    private static final double NORM_EPS = 1e-5;
    private static final double MASKED = -1e9;

    private final TransformerConfig config;
    private final int vocab;
    private final DataType dtype;
    private final Map<String, INDArray> parameters = new LinkedHashMap<>();
    private final Set<String> noDecay = new LinkedHashSet<>();

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
        int d = config.dModel();
        double residualStd = INIT_STD / Math.sqrt(2.0 * config.nLayers());
        addGaussian("embedding", rng, INIT_STD, vocab, d);
        for (int i = 0; i < config.nLayers(); i++) {
            String p = "layers." + i + ".";
            addOnes(p + "attn_norm", d);
            addGaussian(p + "wq", rng, INIT_STD, d, d);
            addGaussian(p + "wk", rng, INIT_STD, d, d);
            addGaussian(p + "wv", rng, INIT_STD, d, d);
            addGaussian(p + "wo", rng, residualStd, d, d);
            addOnes(p + "mlp_norm", d);
            addGaussian(p + "w_in", rng, INIT_STD, d, config.dFf());
            addGaussian(p + "w_out", rng, residualStd, config.dFf(), d);
        }
        addOnes("final_norm", d);
        if (!config.tiedHead()) {
            addGaussian("head", rng, INIT_STD, d, vocab);
        }
    }

    private void addGaussian(String name, SplitMix64 rng, double std, int rows, int cols) {
        double[] values = new double[rows * cols];
        for (int i = 0; i < values.length; i++) {
            values[i] = std * rng.nextGaussian();
        }
        parameters.put(name, Nd4j.create(values, new long[]{rows, cols}, DataType.DOUBLE).castTo(dtype));
    }

    private void addOnes(String name, int width) {
        parameters.put(name, Nd4j.ones(dtype, width));
        noDecay.add(name);
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
    public Map<String, INDArray> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    @Override
    public Set<String> noDecayParameterNames() {
        return Collections.unmodifiableSet(noDecay);
    }

    @Override
    public ModelGraph buildGraph(int batch, int length) {
        if (batch <= 0 || length <= 0) {
            throw new IllegalArgumentException("batch and length must be positive, got " + batch + " and " + length);
        }
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> w = new LinkedHashMap<>();
        parameters.forEach((name, array) -> w.put(name, sd.var(name, array)));
        int d = config.dModel();
        int heads = config.nHeads();
        int headDim = config.headDim();
        SDVariable ids = sd.placeHolder("input_ids", DataType.INT64, batch, length);
        SDVariable cos = sd.constant("rope_cos", ropeTable(length, true));
        SDVariable sin = sd.constant("rope_sin", ropeTable(length, false));
        SDVariable rotateHalf = sd.constant("rope_rotate_half", rotateHalfMatrix());
        SDVariable mask = sd.constant("causal_mask", causalMask(length));
        double scale = 1.0 / Math.sqrt(headDim);

        SDVariable x = TokenEmbedding.lookup(sd, "embedded", w.get("embedding"), ids).reshape((long) batch * length, d);
        for (int i = 0; i < config.nLayers(); i++) {
            String p = "layers." + i + ".";
            SDVariable h = GraphLayers.rmsNorm(sd, x, w.get(p + "attn_norm"), NORM_EPS);
            SDVariable q = rotary(sd, heads(h.mmul(w.get(p + "wq")), batch, length), cos, sin, rotateHalf, batch, length);
            SDVariable k = rotary(sd, heads(h.mmul(w.get(p + "wk")), batch, length), cos, sin, rotateHalf, batch, length);
            SDVariable v = heads(h.mmul(w.get(p + "wv")), batch, length);
            SDVariable scores = sd.linalg().mmul(q, k, false, true, false).mul(scale).add(mask);
            SDVariable attended = sd.linalg().mmul(sd.nn.softmax(scores, -1), v);
            SDVariable merged = attended.reshape(batch, heads, length, headDim).permute(0, 2, 1, 3).reshape(batch * length, d);
            x = x.add(merged.mmul(w.get(p + "wo")));
            SDVariable m = GraphLayers.rmsNorm(sd, x, w.get(p + "mlp_norm"), NORM_EPS);
            x = x.add(sd.nn.gelu(m.mmul(w.get(p + "w_in"))).mmul(w.get(p + "w_out")));
        }
        x = GraphLayers.rmsNorm(sd, x, w.get("final_norm"), NORM_EPS);
        SDVariable logits = config.tiedHead()
                ? sd.mmul(x, w.get("embedding"), false, true, false)
                : x.mmul(w.get("head"));
        return new ModelGraph(sd, ids.name(), logits.reshape(batch, length, vocab).rename("logits"), batch, length);
    }

    /** {@code (batch*length, d)} → {@code (batch*heads, length, headDim)}. */
    private SDVariable heads(SDVariable rows, int batch, int length) {
        return rows.reshape(batch, length, config.nHeads(), config.headDim()).permute(0, 2, 1, 3)
                .reshape((long) batch * config.nHeads(), length, config.headDim());
    }

    /** x·cos + rotate_half(x)·sin on {@code (batch*heads, length, headDim)}. */
    private SDVariable rotary(SameDiff sd, SDVariable x, SDVariable cos, SDVariable sin, SDVariable rotateHalf,
                              int batch, int length) {
        long rows = (long) batch * config.nHeads() * length;
        SDVariable rotated = x.reshape(rows, config.headDim()).mmul(rotateHalf)
                .reshape((long) batch * config.nHeads(), length, config.headDim());
        return x.mul(cos).add(rotated.mul(sin));
    }

    /** cos or sin of position × θ_i, θ_i = base^(-2i/headDim), for both halves: {@code (length, headDim)}. */
    private INDArray ropeTable(int length, boolean cosine) {
        int headDim = config.headDim();
        int half = headDim / 2;
        double[] table = new double[length * headDim];
        for (int pos = 0; pos < length; pos++) {
            for (int i = 0; i < half; i++) {
                double angle = pos * Math.pow(config.ropeBase(), -2.0 * i / headDim);
                double value = cosine ? Math.cos(angle) : Math.sin(angle);
                table[pos * headDim + i] = value;
                table[pos * headDim + i + half] = value;
            }
        }
        return Nd4j.create(table, new long[]{length, headDim}, DataType.DOUBLE).castTo(dtype);
    }

    /** R with x·R = (−x[half:], x[:half]). */
    private INDArray rotateHalfMatrix() {
        int headDim = config.headDim();
        int half = headDim / 2;
        INDArray r = Nd4j.zeros(DataType.DOUBLE, headDim, headDim);
        for (int j = 0; j < half; j++) {
            r.putScalar(j + half, j, -1.0);
            r.putScalar(j, j + half, 1.0);
        }
        return r.castTo(dtype);
    }

    /** 0 where a position may attend (key ≤ query), a large negative number elsewhere. */
    private INDArray causalMask(int length) {
        INDArray mask = Nd4j.zeros(DataType.DOUBLE, length, length);
        for (int query = 0; query < length; query++) {
            for (int key = query + 1; key < length; key++) {
                mask.putScalar(query, key, MASKED);
            }
        }
        return mask.castTo(dtype);
    }

    /**
     * Attention dominates: scores, masked scores and probabilities of {@code (batch·heads, L, L)}
     * per layer alive at once, plus a few {@code (batch·L, max(d, d_ff))} activations.
     */
    @Override
    public long estimateForwardBytes(int batch, int length) {
        long bytes = dtype.width();
        long attention = 3L * batch * config.nHeads() * length * (long) length * bytes;
        long rows = 8L * batch * length * Math.max(config.dModel(), config.dFf()) * bytes;
        return attention + rows + (long) length * length * bytes;
    }
}
