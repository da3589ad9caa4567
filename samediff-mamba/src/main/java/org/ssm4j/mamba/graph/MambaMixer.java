package org.ssm4j.mamba.graph;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.ssm4j.mamba.MambaConfig;
import org.ssm4j.mamba.MambaParameters;
import org.ssm4j.ops.Layout;
import org.ssm4j.ops.SsmOps;
import org.ssm4j.ops.conv.CausalConv1dConfig;
import org.ssm4j.ops.scan.SelectiveScanConfig;

import java.util.Map;

/**
 * The Mamba mixer (selective SSM block) of one layer, in the channels-last layout
 * throughout, so there is no transpose:
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
 * <p>The step sizes the scan uses, {@code softplus(delta + dt_proj.bias)} (B, L, d_inner), are
 * also a named output of the graph, for looking at how selective the layer is; they are only
 * computed when asked for.
 */
final class MambaMixer {

    private MambaMixer() {
    }

    /**
     * @param normed    the normalised residual stream, (batch·length, hiddenSize)
     * @param deltaName the name of the step-size output
     * @return the mixer output, (batch·length, hiddenSize)
     */
    static SDVariable apply(SameDiff sd, MambaConfig c, Shapes shapes, SDVariable normed,
                            MambaParameters.Layer names, Map<String, SDVariable> vars, String deltaName) {
        int di = c.intermediateSize();
        int n = c.stateSize();
        int rank = c.timeStepRank();
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

        SDVariable dbc = sd.mmul(shapes.flat(u, di), vars.get(names.xProjWeight()), false, true, false);
        SDVariable dt = columns(sd, dbc, 0, rank);
        SDVariable delta = shapes.sequence(sd.mmul(dt, vars.get(names.dtProjWeight()), false, true, false), di);
        SDVariable b = shapes.sequence(columns(sd, dbc, rank, rank + n), n);
        SDVariable cMatrix = shapes.sequence(columns(sd, dbc, rank + n, rank + 2 * n), n);
        SDVariable a = sd.math.neg(sd.math.exp(vars.get(names.aLog())));
        sd.nn.softplus(deltaName, delta.add(vars.get(names.dtProjBias())));

        SDVariable y = SsmOps.selectiveScan(sd, null, u, delta, a, b, cMatrix, vars.get(names.d()), z,
                vars.get(names.dtProjBias()), null, SelectiveScanConfig.defaults()).y();

        SDVariable out = sd.mmul(shapes.flat(y, di), vars.get(names.outProjWeight()), false, true, false);
        if (c.useBias()) {
            out = out.add(vars.get(names.outProjBias()));
        }
        return out;
    }

    /** Columns {@code [from, to)} of a (rows, width) variable, all rows (SameDiff's split_v has no gradient). */
    private static SDVariable columns(SameDiff sd, SDVariable matrix, long from, long to) {
        int allRows = 1;
        return sd.stridedSlice(matrix, new long[]{0, from}, new long[]{0, to}, new long[]{1, 1}, allRows, allRows, 0, 0, 0);
    }
}
