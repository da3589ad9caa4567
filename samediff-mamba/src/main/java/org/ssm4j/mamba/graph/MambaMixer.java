package org.ssm4j.mamba.graph;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.mamba.MambaConfig;
import org.ssm4j.mamba.MambaParameters;
import org.ssm4j.mamba.MixerKind;
import org.ssm4j.ops.Layout;
import org.ssm4j.ops.SsmOps;
import org.ssm4j.ops.conv.CausalConv1dConfig;
import org.ssm4j.ops.scan.SelectiveScanConfig;

import java.util.Map;

/**
 * The Mamba mixer of one layer, in the channels-last layout throughout, so there is no
 * transpose. The {@link MixerKind#SELECTIVE} mixer (Mamba):
 *
 * <pre>
 * x, z     = split(in_proj(h))                      (B·L, d_inner) each
 * u        = silu(causal_conv1d(x) + conv bias)     (B, L, d_inner)
 * dt, B, C = split(x_proj(u))                       rank R, state N, state N
 * delta    = dt_proj.weight · dt                    (B, L, d_inner); its bias goes to the scan
 * y        = selective_scan(u, delta, A = -exp(A_log), B, C, D, z,
 *                           delta_bias = dt_proj.bias, softplus)
 * out      = out_proj(y)                            (B·L, d_model)
 * </pre>
 *
 * <p>The {@link MixerKind#TIME_INVARIANT} mixer (the paper's LTI ablation) is the same block
 * with Δ = softplus(dt_bias), B and C learned per channel instead of computed from u, the
 * same at every position: {@code h[c,n] ← exp(Δ[c]·A[c,n])·h[c,n] + Δ[c]·B[c,n]·u[c]},
 * {@code y[c] = (Σ_n C[c,n]·h[c,n] + D[c]·u[c])·silu(z[c])}. It runs on the same
 * {@code selective_scan} op, with every (channel, state) pair as a channel of its own that
 * has one state:
 *
 * <pre>
 * u'       = u[c] · B[c, n]                         (B·L, d_inner·N): B folded into the input
 * delta    = 0,  delta_bias = dt_bias[c] for every n  (Δ = softplus(dt_bias) in the scan)
 * h        = selective_scan(u', delta, A = -exp(A_log) as (d_inner·N, 1), B = C = 1 (B, L, 1),
 *                           delta_bias, softplus)   (B, L, d_inner·N): the states themselves
 * y        = (Σ_n C[c, n] · h[c, n] + D · u) · silu(z)
 * </pre>
 *
 * <p>This is exact (the state is linear in B·u), and it is why the per-channel B and C need
 * no grouped scan: handing the op B and C broadcast to (B, L, d_inner, N) with one group per
 * channel computes the same, but the CPU kernel's vector blocks never span two groups, so
 * with groups of one channel it ran 30 times slower than the selective scan (16 × 64 × 64 × 16:
 * 156–190 ms against 5–6 ms per forward scan, on a loaded 2-core machine). B, C and D are
 * spread over the rows by matrix products with a column of ones (B and C materialised at
 * every position), u over the states and the readout's sum over them likewise, so every
 * multiplication is between arrays of one shape and every gradient is a product or an
 * elementwise op; SameDiff 1.0.0-M2.1's backward pass of a broadcasting multiply took
 * 0.3–0.7 s per (32·32, 64·16) array here (its {@code broadcast_to} has none at all).
 *
 * <p>Memory: u spread over the states, B and C at every position, the scan's input, the zero
 * Δ, the states and the C-weighted states hold B·L·d_inner·N values each, seven arrays where
 * the selective mixer's B and C hold B·L·N: in float 16 MiB each for 16 sequences of 256 at
 * d_inner 64 and N 16, but 2 GiB in the paper's Selective Copying setting (64 sequences of
 * 4096, d_inner 128). A scan op that took time-invariant B and C as (d_inner, N), or
 * computing the model as a long convolution with its kernel as S4 does, would need none of it.
 *
 * <p>The step sizes the scan uses, softplus of Δ plus its bias (B, L, d_inner), are also a
 * named output of the graph, for looking at how selective the layer is (the time-invariant
 * mixer's are the same at every position); they are only computed when asked for.
 */
final class MambaMixer {

    private MambaMixer() {
    }

    /**
     * @param mixer     which SSM the mixer runs
     * @param normed    the normalised residual stream, (batch·length, hiddenSize)
     * @param deltaName the name of the step-size output
     * @return the mixer output, (batch·length, hiddenSize)
     */
    static SDVariable apply(SameDiff sd, MambaConfig c, MixerKind mixer, Shapes shapes, SDVariable normed,
                            MambaParameters.Layer names, Map<String, SDVariable> vars, String deltaName) {
        int di = c.intermediateSize();
        SDVariable xz = sd.mmul(normed, vars.get(names.inProjWeight()), false, true, false);
        if (c.useBias()) {
            xz = xz.add(vars.get(names.inProjBias()));
        }
        SDVariable[] halves = sd.split(xz, 2, 1);
        SDVariable x = shapes.sequence(halves[0], di);
        SDVariable z = shapes.sequence(halves[1], di);

        SDVariable convWeight = sd.reshape(vars.get(names.convWeight()), di, c.convKernel());
        SDVariable convBias = c.useConvBias() ? vars.get(names.convBias()) : null;
        SDVariable u = SsmOps.causalConv1d(sd, null, x, convWeight, convBias, null,
                new CausalConv1dConfig(Layout.CHANNELS_LAST, true)).y();

        SDVariable y = mixer == MixerKind.SELECTIVE
                ? selective(sd, c, shapes, u, z, names, vars, deltaName)
                : timeInvariant(sd, c, shapes, u, z, names, vars, deltaName);

        SDVariable out = sd.mmul(shapes.flat(y, di), vars.get(names.outProjWeight()), false, true, false);
        if (c.useBias()) {
            out = out.add(vars.get(names.outProjBias()));
        }
        return out;
    }

    /** The selective SSM on u, gated by z: Δ, B and C from u by x_proj, then dt_proj on Δ's low-rank part. */
    private static SDVariable selective(SameDiff sd, MambaConfig c, Shapes shapes, SDVariable u, SDVariable z,
                                        MambaParameters.Layer names, Map<String, SDVariable> vars, String deltaName) {
        int di = c.intermediateSize();
        int n = c.stateSize();
        int rank = c.timeStepRank();
        SDVariable dbc = sd.mmul(shapes.flat(u, di), vars.get(names.xProjWeight()), false, true, false);
        SDVariable dt = columns(sd, dbc, 0, rank);
        SDVariable delta = shapes.sequence(sd.mmul(dt, vars.get(names.dtProjWeight()), false, true, false), di);
        SDVariable b = shapes.sequence(columns(sd, dbc, rank, rank + n), n);
        SDVariable cMatrix = shapes.sequence(columns(sd, dbc, rank + n, rank + 2 * n), n);
        SDVariable a = sd.math.neg(sd.math.exp(vars.get(names.aLog())));
        sd.nn.softplus(deltaName, delta.add(vars.get(names.dtProjBias())));
        return SsmOps.selectiveScan(sd, null, u, delta, a, b, cMatrix, vars.get(names.d()), z,
                vars.get(names.dtProjBias()), null, SelectiveScanConfig.defaults()).y();
    }

    /** The time-invariant SSM on u, gated by z, as one scan over the (channel, state) pairs (see the class comment). */
    private static SDVariable timeInvariant(SameDiff sd, MambaConfig c, Shapes shapes, SDVariable u, SDVariable z,
                                            MambaParameters.Layer names, Map<String, SDVariable> vars, String deltaName) {
        int di = c.intermediateSize();
        int n = c.stateSize();
        long pairs = (long) di * n;
        DataType type = vars.get(names.aLog()).dataType();
        SDVariable rowOfOnes = sd.constant(Nd4j.ones(type, 1, n));
        SDVariable columnOfOnes = sd.constant(Nd4j.ones(type, n, 1));
        SDVariable onesPerRow = sd.fill(shapes.flatShape(1), type, 1);

        SDVariable uFlat = shapes.flat(u, di);
        SDVariable uPerPair = sd.reshape(sd.mmul(sd.reshape(uFlat, -1, 1), rowOfOnes), -1, pairs);
        SDVariable inputs = uPerPair.mul(sd.mmul(onesPerRow, sd.reshape(vars.get(names.b()), 1, pairs)));
        SDVariable delta = sd.fill(shapes.sequenceShape(pairs), type, 0);
        SDVariable deltaBias = sd.reshape(sd.mmul(sd.reshape(vars.get(names.dtBias()), di, 1), rowOfOnes), pairs);
        SDVariable a = sd.reshape(sd.math.neg(sd.math.exp(vars.get(names.aLog()))), pairs, 1);
        SDVariable ones = sd.fill(shapes.sequenceShape(1), type, 1);
        sd.nn.softplus(deltaName, sd.fill(shapes.sequenceShape(di), type, 0).add(vars.get(names.dtBias())));
        SDVariable states = SsmOps.selectiveScan(sd, null, shapes.sequence(inputs, pairs), delta, a, ones, ones, null, null,
                deltaBias, null, SelectiveScanConfig.defaults()).y();

        SDVariable weighted = shapes.flat(states, pairs).mul(sd.mmul(onesPerRow, sd.reshape(vars.get(names.c()), 1, pairs)));
        SDVariable readout = sd.reshape(sd.mmul(sd.reshape(weighted, -1, n), columnOfOnes), -1, di);
        SDVariable skip = uFlat.mul(sd.mmul(onesPerRow, sd.reshape(vars.get(names.d()), 1, di)));
        SDVariable zFlat = shapes.flat(z, di);
        return shapes.sequence(readout.add(skip).mul(zFlat.mul(sd.nn.sigmoid(zFlat))), di);
    }

    /** Columns {@code [from, to)} of a (rows, width) variable, all rows (SameDiff's split_v has no gradient). */
    private static SDVariable columns(SameDiff sd, SDVariable matrix, long from, long to) {
        int allRows = 1;
        return sd.stridedSlice(matrix, new long[]{0, from}, new long[]{0, to}, new long[]{1, 1}, allRows, allRows, 0, 0, 0);
    }
}
