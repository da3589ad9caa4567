package org.ssm4j.bench;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The same selective scan written with stock SameDiff ops, the way one would without a fused
 * op: {@code exp(delta' A)} and {@code delta' B u} materialised as (batch, length, channels,
 * state) tensors and split into steps, then the recurrence unrolled over the length (one
 * multiply-add and state-sum per step), then D, the gate and {@code loss = sum(out * dy)}. Every input is a
 * variable so that {@link #gradients()} differentiates all of them.
 */
public final class StockScan {

    private static final List<String> INPUTS = List.of("u", "delta", "A", "B", "C", "D", "z", "deltaBias");

    private final SameDiff sd;

    public StockScan(ScanProblem p) {
        ScanShape s = p.shape();
        long b = s.batch();
        long l = s.length();
        long d = s.channels();
        long n = s.state();
        sd = SameDiff.create();
        SDVariable u = sd.var("u", p.u());
        SDVariable delta = sd.var("delta", p.delta());
        SDVariable a = sd.var("A", p.a());
        SDVariable bm = sd.var("B", p.b());
        SDVariable c = sd.var("C", p.c());
        SDVariable skip = sd.var("D", p.d());
        SDVariable z = sd.var("z", p.z());
        SDVariable bias = sd.var("deltaBias", p.deltaBias());
        SDVariable dt = sd.nn().softplus(delta.add(bias));
        SDVariable decay = sd.math().exp(dt.reshape(b, l, d, 1).mul(a.reshape(1, 1, d, n)));
        SDVariable input = dt.mul(u).reshape(b, l, d, 1).mul(bm.reshape(b, l, 1, n));
        // unstack, not get(point(t)): M2.1's strided_slice_bp fails on those slices.
        SDVariable[] decays = sd.unstack(decay, 1, (int) l);
        SDVariable[] inputs = sd.unstack(input, 1, (int) l);
        SDVariable[] cs = sd.unstack(c, 1, (int) l);
        SDVariable h = null;
        SDVariable[] ys = new SDVariable[(int) l];
        for (int t = 0; t < l; t++) {
            h = h == null ? inputs[t] : decays[t].mul(h).add(inputs[t]);
            ys[t] = h.mul(cs[t].reshape(b, 1, n)).sum(2);
        }
        SDVariable y = sd.stack(1, ys).add(u.mul(skip));
        SDVariable out = y.mul(sd.nn().swish(z)).rename("y");
        out.mul(sd.constant("dy", p.dy())).sum().rename("loss");
        sd.setLossVariables("loss");
    }

    /** The forward pass: y. */
    public INDArray output() {
        return sd.output(Map.of(), "y").get("y");
    }

    /** The forward and backward pass: the gradients of every input. */
    public Map<String, INDArray> gradients() {
        return sd.calculateGradients(Map.of(), new ArrayList<>(INPUTS));
    }

    /** Bytes of one materialised (batch, length, channels, state) FLOAT tensor. */
    public static long materialisedBytes(ScanShape s) {
        return s.elements() * Float.BYTES;
    }
}
