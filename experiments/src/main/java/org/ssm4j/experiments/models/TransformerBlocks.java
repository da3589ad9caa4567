package org.ssm4j.experiments.models;

import org.jspecify.annotations.Nullable;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.experiments.config.TransformerConfig;
import org.ssm4j.experiments.tasks.SplitMix64;
import org.ssm4j.ops.SsmOps;

import java.util.Map;

/**
 * The Transformer's blocks: {@code n_layers} pre-norm (RMSNorm) blocks of multi-head
 * self-attention with rotary position embeddings and a GELU MLP, no biases, then a final
 * RMSNorm. Attention is causal for language modelling and over the whole sequence (an
 * encoder, as in ViT) otherwise; padded positions are never attended to.
 *
 * <p>Positions are rotary (RoPE, rotate-half form, as GPT-NeoX): they are relative, so the
 * blocks run at any length and degrade more gracefully beyond the training length than
 * learned absolute positions, which have no embedding for unseen positions at all.
 *
 * <p>Initialisation (GPT-2): matrices N(0, 0.02²), the two residual output projections of
 * each block N(0, (0.02/√(2·n_layers))²), norm weights 1, drawn from the given stream in
 * parameter order. Parameters: {@code layers.I.attn_norm}, {@code wq}, {@code wk},
 * {@code wv}, {@code wo}, {@code mlp_norm}, {@code w_in}, {@code w_out} and
 * {@code final_norm}; the no-decay set is the norm weights.
 */
public final class TransformerBlocks extends ParameterOwner implements SequenceBackbone {

    /** Standard deviation of the matrices' initialisation. */
    public static final double INIT_STD = 0.02;
    private static final double NORM_EPS = 1e-5;
    private static final double MASKED = -1e9;

    private final TransformerConfig config;
    private final DataType dtype;

    /**
     * Creates and initialises the blocks.
     *
     * @param config sizes
     * @param rng    initialisation stream; the blocks draw their matrices from it in order
     * @param dtype  parameter and activation type
     */
    public TransformerBlocks(TransformerConfig config, SplitMix64 rng, DataType dtype) {
        if (!dtype.isFPType()) {
            throw new IllegalArgumentException("dtype must be floating point, got " + dtype);
        }
        this.config = config;
        this.dtype = dtype;
        int d = config.dModel();
        double residualStd = INIT_STD / Math.sqrt(2.0 * config.nLayers());
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
    }

    /** A {@code (rows, cols)} matrix of N(0, std²) draws from {@code rng}, row by row, in {@code dtype}. */
    static INDArray gaussian(SplitMix64 rng, double std, int rows, int cols, DataType dtype) {
        double[] values = new double[rows * cols];
        for (int i = 0; i < values.length; i++) {
            values[i] = std * rng.nextGaussian();
        }
        return Nd4j.create(values, new long[]{rows, cols}, DataType.DOUBLE).castTo(dtype);
    }

    private void addGaussian(String name, SplitMix64 rng, double std, int rows, int cols) {
        addParameter(name, gaussian(rng, std, rows, cols, dtype), true);
    }

    private void addOnes(String name, int width) {
        addParameter(name, Nd4j.ones(dtype, width), false);
    }

    @Override
    public int width() {
        return config.dModel();
    }

    @Override
    public SDVariable apply(SameDiff sd, Map<String, SDVariable> w, SDVariable x, int batch, int length, boolean causal,
                            @Nullable SDVariable mask) {
        if (batch <= 0 || length <= 0) {
            throw new IllegalArgumentException("batch and length must be positive, got " + batch + " and " + length);
        }
        int d = config.dModel();
        int heads = config.nHeads();
        int headDim = config.headDim();
        SDVariable cos = sd.constant("rope_cos", ropeTable(length, true));
        SDVariable sin = sd.constant("rope_sin", ropeTable(length, false));
        SDVariable rotateHalf = sd.constant("rope_rotate_half", rotateHalfMatrix());
        SDVariable causalMask = causal ? sd.constant("causal_mask", causalMask(length)) : null;
        // (batch, 1, 1, length): 0 for real keys, a large negative number for padding
        SDVariable keyMask = mask == null ? null
                : mask.castTo(dtype).rsub(1.0).mul(MASKED).reshape(batch, 1, 1, length);
        double scale = 1.0 / Math.sqrt(headDim);

        for (int i = 0; i < config.nLayers(); i++) {
            String p = "layers." + i + ".";
            SDVariable h = SsmOps.rmsNorm(sd, null, x, w.get(p + "attn_norm"), NORM_EPS);
            SDVariable q = rotary(sd, heads(h.mmul(w.get(p + "wq")), batch, length), cos, sin, rotateHalf, batch, length);
            SDVariable k = rotary(sd, heads(h.mmul(w.get(p + "wk")), batch, length), cos, sin, rotateHalf, batch, length);
            SDVariable v = heads(h.mmul(w.get(p + "wv")), batch, length);
            SDVariable scores = sd.linalg().mmul(q, k, false, true, false).mul(scale);
            if (causalMask != null) {
                scores = scores.add(causalMask);
            }
            if (keyMask != null) {
                scores = scores.reshape(batch, heads, length, length).add(keyMask).reshape((long) batch * heads, length, length);
            }
            SDVariable attended = sd.linalg().mmul(sd.nn.softmax(scores, -1), v);
            SDVariable merged = attended.reshape(batch, heads, length, headDim).permute(0, 2, 1, 3).reshape(batch * length, d);
            x = x.add(merged.mmul(w.get(p + "wo")));
            SDVariable m = SsmOps.rmsNorm(sd, null, x, w.get(p + "mlp_norm"), NORM_EPS);
            x = x.add(sd.nn.gelu(m.mmul(w.get(p + "w_in"))).mmul(w.get(p + "w_out")));
        }
        return SsmOps.rmsNorm(sd, null, x, w.get("final_norm"), NORM_EPS);
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
        double[] mask = new double[length * length];
        for (int query = 0; query < length; query++) {
            for (int key = query + 1; key < length; key++) {
                mask[query * length + key] = MASKED;
            }
        }
        return Nd4j.create(mask, new long[]{length, length}, DataType.DOUBLE).castTo(dtype);
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
