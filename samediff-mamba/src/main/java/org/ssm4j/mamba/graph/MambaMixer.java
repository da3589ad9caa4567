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
import org.ssm4j.ops.conv.CausalConv1dResult;
import org.ssm4j.ops.scan.SelectiveScanConfig;
import org.ssm4j.ops.scan.SelectiveScanResult;

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
 * {@code selective_scan} op with B and C per channel as grouped B and C, one group per
 * channel; but the scan's channels are the (channel, sequence) pairs of one long batch row,
 * {@code c·batch + b}, so that a group's channels are the batch's sequences:
 *
 * <pre>
 * u', z'   = u, z as (1, L, d_inner·batch)          channel c of sequence b at c·batch + b
 * delta    = softplus(dt_bias[c]) at every position (1, L, d_inner·batch), no softplus in the scan
 * A', D'   = -exp(A_log[c]), D[c] for each pair      (d_inner·batch, N), (d_inner·batch)
 * B', C'   = B, C at every position                  (1, L, d_inner, N): groups = d_inner
 * y        = selective_scan(u', delta, A', B', C', D', z') back to (B, L, d_inner)
 * </pre>
 *
 * <p>Why not the obvious layout, B and C broadcast to (B, L, d_inner, N) with groups =
 * d_inner: the CPU kernel vectorises across the channels of a group, so with one channel per
 * group it used one lane in eight and ran 30 times slower than the selective scan (16 × 64 ×
 * 64 × 16: 156–190 ms against 5–6 ms per forward scan, loaded 2-core machine), and B and C
 * then hold B·L·d_inner·N values each. Here a group has {@code batch} channels, B and C hold
 * L·d_inner·N values (the same for every sequence), and the scan does the selective scan's
 * work. (Treating every (channel, state) pair as a channel with one state also avoids groups,
 * but a scan with one state per channel paid its per-step overhead N times over: 10 times
 * slower at d_inner 128, N 16.) The per-channel values are spread over the batch and the
 * positions by matrix products (with a 0/1 spreading matrix and a column of ones), so every
 * gradient is a product: SameDiff 1.0.0-M2.1's backward pass of a broadcasting multiply took
 * 0.3–0.7 s per (32·32, 64·16) array here, and its {@code broadcast_to} has none.
 *
 * <p>Memory: u', z', Δ and y hold what the selective mixer's u, z, Δ and y hold; B' and C'
 * hold L·d_inner·N values each (the selective mixer's B·L·N), and the spreading matrix
 * d_inner²·batch (4 MiB in float at d_inner 128, batch 64).
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
     * @param stateIo   whether the convolution and the scan start from the placeholders
     *                  {@link MambaGraph#convStateInput} and {@link MambaGraph#ssmStateInput} of
     *                  this layer and name their final states {@link MambaGraph#convStateOutput}
     *                  and {@link MambaGraph#ssmStateOutput} (selective mixers only, which
     *                  {@link MambaGraph#build(org.ssm4j.mamba.MambaWeights, boolean)} checks);
     *                  otherwise they start from zeros
     * @return the mixer output, (batch·length, hiddenSize)
     */
    static SDVariable apply(SameDiff sd, MambaConfig c, MixerKind mixer, Shapes shapes, SDVariable normed,
                            MambaParameters.Layer names, Map<String, SDVariable> vars, String deltaName,
                            boolean stateIo) {
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
        DataType type = vars.get(names.aLog()).dataType();
        int layer = names.index();
        SDVariable convInitial = stateIo
                ? sd.placeHolder(MambaGraph.convStateInput(layer), type, -1, di, c.convKernel() - 1) : null;
        CausalConv1dResult<SDVariable> conv = SsmOps.causalConv1d(sd, null, x, convWeight, convBias, convInitial,
                new CausalConv1dConfig(Layout.CHANNELS_LAST, true));
        SDVariable u = conv.y();
        if (stateIo) {
            sd.identity(MambaGraph.convStateOutput(layer), conv.finalState());
        }

        SDVariable y = mixer == MixerKind.SELECTIVE
                ? selective(sd, c, shapes, u, z, names, vars, deltaName, stateIo)
                : timeInvariant(sd, c, shapes, u, z, names, vars, deltaName);

        SDVariable out = sd.mmul(shapes.flat(y, di), vars.get(names.outProjWeight()), false, true, false);
        if (c.useBias()) {
            out = out.add(vars.get(names.outProjBias()));
        }
        return out;
    }

    /** The selective SSM on u, gated by z: Δ, B and C from u by x_proj, then dt_proj on Δ's low-rank part. */
    private static SDVariable selective(SameDiff sd, MambaConfig c, Shapes shapes, SDVariable u, SDVariable z,
                                        MambaParameters.Layer names, Map<String, SDVariable> vars, String deltaName,
                                        boolean stateIo) {
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
        SDVariable initial = stateIo
                ? sd.placeHolder(MambaGraph.ssmStateInput(names.index()), a.dataType(), -1, di, n) : null;
        SelectiveScanResult<SDVariable> scan = SsmOps.selectiveScan(sd, null, u, delta, a, b, cMatrix, vars.get(names.d()),
                z, vars.get(names.dtProjBias()), initial, SelectiveScanConfig.defaults());
        if (stateIo) {
            sd.identity(MambaGraph.ssmStateOutput(names.index()), scan.lastState());
        }
        return scan.y();
    }

    /**
     * The time-invariant SSM on u, gated by z, as one grouped scan over a single long sequence
     * whose channels are the (channel, sequence) pairs (see the class comment).
     */
    private static SDVariable timeInvariant(SameDiff sd, MambaConfig c, Shapes shapes, SDVariable u, SDVariable z,
                                            MambaParameters.Layer names, Map<String, SDVariable> vars, String deltaName) {
        int di = c.intermediateSize();
        int n = c.stateSize();
        DataType type = vars.get(names.aLog()).dataType();
        SDVariable one = sd.constant(Nd4j.createFromArray(1L));
        SDVariable rest = sd.constant(Nd4j.createFromArray(-1L));
        SDVariable scanShape = sd.concat(0, one, shapes.length(), rest);
        // (channels·batch, channels): row c·batch + b picks channel c, so a product spreads a per-channel value over the batch
        SDVariable spread = sd.reshape(sd.constant(Nd4j.eye(di).castTo(type).reshape(di, 1, di))
                .mul(sd.fill(sd.concat(0, one, shapes.batch(), one), type, 1)), -1, di);
        SDVariable onesPerStep = sd.fill(sd.concat(0, shapes.length(), one), type, 1);

        SDVariable stepSize = sd.nn.softplus(vars.get(names.dtBias()));
        sd.fill(shapes.sequenceShape(di), type, 0).add(deltaName, stepSize);
        SDVariable delta = sd.reshape(sd.mmul(onesPerStep, sd.reshape(sd.mmul(spread, sd.reshape(stepSize, di, 1)), 1, -1)),
                scanShape);
        SDVariable a = sd.mmul(spread, sd.math.neg(sd.math.exp(vars.get(names.aLog()))));
        SDVariable skip = sd.reshape(sd.mmul(spread, sd.reshape(vars.get(names.d()), di, 1)), -1);
        SDVariable groupShape = sd.concat(0, one, shapes.length(), sd.constant(Nd4j.createFromArray((long) di, n)));
        SDVariable b = sd.reshape(sd.mmul(onesPerStep, sd.reshape(vars.get(names.b()), 1, (long) di * n)), groupShape);
        SDVariable cMatrix = sd.reshape(sd.mmul(onesPerStep, sd.reshape(vars.get(names.c()), 1, (long) di * n)), groupShape);

        SDVariable y = SsmOps.selectiveScan(sd, null, sd.reshape(sd.permute(u, 1, 2, 0), scanShape), delta, a, b, cMatrix,
                skip, sd.reshape(sd.permute(z, 1, 2, 0), scanShape), null, null,
                SelectiveScanConfig.defaults().withDeltaSoftplus(false)).y();
        SDVariable perChannel = sd.reshape(y, sd.concat(0, shapes.length(), sd.constant(Nd4j.createFromArray((long) di)), rest));
        return sd.permute(perChannel, 2, 0, 1);
    }

    /** Columns {@code [from, to)} of a (rows, width) variable, all rows (SameDiff's split_v has no gradient). */
    private static SDVariable columns(SameDiff sd, SDVariable matrix, long from, long to) {
        int allRows = 1;
        return sd.stridedSlice(matrix, new long[]{0, from}, new long[]{0, to}, new long[]{1, 1}, allRows, allRows, 0, 0, 0);
    }
}
