package org.ssm4j.mamba.graph;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
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
 * with Δ, B and C learned per channel instead of computed from u, run through the same
 * {@code selective_scan} op:
 *
 * <pre>
 * delta    = 0                                      (B, L, d_inner); Δ = softplus(0 + dt_bias) in the scan
 * B, C     = 0 + B, 0 + C                           (d_inner, N) broadcast to (B, L, d_inner, N):
 *                                                   groups = d_inner, one group per channel
 * y        = selective_scan(u, delta, A = -exp(A_log), B, C, D, z, delta_bias = dt_bias, softplus)
 * </pre>
 *
 * <p>The broadcasts are additions to zero tensors, whose backward pass sums the gradient over
 * batch and length back to (d_inner, N); the scan's own delta-bias gradient (summed over batch
 * and length) is dt_bias's. SameDiff 1.0.0-M2.1's {@code broadcast_to} has no backward pass.
 * The broadcast B and C hold B·L·d_inner·N values each (as does the zero tensor, and the
 * scan's B and C gradients in the backward pass), against B·L·N for the selective mixer's
 * shared B and C: in float, 16 MiB per tensor for 16 sequences of 256 at d_inner 64 and N 16,
 * but 2 GiB in the paper's Selective Copying setting (64 sequences of 4096, d_inner 128). A
 * scan that took B and C as (d_inner, N) would need none of it (nor would computing the LTI
 * model as a convolution with its kernel, as S4 does).
 */
final class MambaMixer {

    private MambaMixer() {
    }

    /**
     * What the scan takes besides u, A, D and z.
     *
     * @param delta     Δ before the bias, (B, L, d_inner)
     * @param deltaBias added to Δ inside the scan before its softplus, (d_inner)
     * @param b         (B, L, N) or (B, L, d_inner, N)
     * @param c         shaped like b
     */
    private record ScanInputs(SDVariable delta, SDVariable deltaBias, SDVariable b, SDVariable c) {
    }

    /**
     * @param mixer  which SSM the mixer runs
     * @param normed the normalised residual stream, (batch·length, hiddenSize)
     * @return the mixer output, (batch·length, hiddenSize)
     */
    static SDVariable apply(SameDiff sd, MambaConfig c, MixerKind mixer, Shapes shapes, SDVariable normed,
                            MambaParameters.Layer names, Map<String, SDVariable> vars) {
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

        ScanInputs scan = mixer == MixerKind.SELECTIVE
                ? selective(sd, c, shapes, u, names, vars)
                : timeInvariant(sd, c, shapes, names, vars);
        SDVariable a = sd.math.neg(sd.math.exp(vars.get(names.aLog())));
        SDVariable y = SsmOps.selectiveScan(sd, null, u, scan.delta(), a, scan.b(), scan.c(), vars.get(names.d()), z,
                scan.deltaBias(), null, SelectiveScanConfig.defaults()).y();

        SDVariable out = sd.mmul(shapes.flat(y, di), vars.get(names.outProjWeight()), false, true, false);
        if (c.useBias()) {
            out = out.add(vars.get(names.outProjBias()));
        }
        return out;
    }

    /** Δ, B and C from u: x_proj, then dt_proj on Δ's low-rank part. */
    private static ScanInputs selective(SameDiff sd, MambaConfig c, Shapes shapes, SDVariable u,
                                        MambaParameters.Layer names, Map<String, SDVariable> vars) {
        int di = c.intermediateSize();
        int n = c.stateSize();
        int rank = c.timeStepRank();
        SDVariable dbc = sd.mmul(shapes.flat(u, di), vars.get(names.xProjWeight()), false, true, false);
        SDVariable dt = columns(sd, dbc, 0, rank);
        SDVariable delta = shapes.sequence(sd.mmul(dt, vars.get(names.dtProjWeight()), false, true, false), di);
        SDVariable b = shapes.sequence(columns(sd, dbc, rank, rank + n), n);
        SDVariable cMatrix = shapes.sequence(columns(sd, dbc, rank + n, rank + 2 * n), n);
        return new ScanInputs(delta, vars.get(names.dtProjBias()), b, cMatrix);
    }

    /** Δ, B and C as the per-channel parameters at every position, independent of the input. */
    private static ScanInputs timeInvariant(SameDiff sd, MambaConfig c, Shapes shapes, MambaParameters.Layer names,
                                            Map<String, SDVariable> vars) {
        int di = c.intermediateSize();
        var type = vars.get(names.aLog()).dataType();
        SDVariable delta = sd.fill(shapes.sequenceShape(di), type, 0);
        SDVariable perPosition = sd.fill(shapes.sequenceShape(di, c.stateSize()), type, 0);
        return new ScanInputs(delta, vars.get(names.dtBias()), perPosition.add(vars.get(names.b())),
                perPosition.add(vars.get(names.c())));
    }

    /** Columns {@code [from, to)} of a (rows, width) variable, all rows (SameDiff's split_v has no gradient). */
    private static SDVariable columns(SameDiff sd, SDVariable matrix, long from, long to) {
        int allRows = 1;
        return sd.stridedSlice(matrix, new long[]{0, from}, new long[]{0, to}, new long[]{1, 1}, allRows, allRows, 0, 0, 0);
    }
}
