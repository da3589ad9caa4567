package org.ssm4j.ops;

import org.jspecify.annotations.Nullable;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.ops.conv.CausalConv1d;
import org.ssm4j.ops.conv.CausalConv1dConfig;
import org.ssm4j.ops.conv.CausalConv1dResult;
import org.ssm4j.ops.norm.RmsNorm;
import org.ssm4j.ops.runtime.SsmRuntime;
import org.ssm4j.ops.scan.SelectiveScan;
import org.ssm4j.ops.scan.SelectiveScanConfig;
import org.ssm4j.ops.scan.SelectiveScanResult;

/**
 * The public entry points of ssm4j's ops: each adds an op to a {@link SameDiff} graph, or runs
 * it on {@link INDArray}s. Graphs containing these ops train, save and load like any other
 * ({@code SameDiff.load} needs nothing from ssm4j but the library on the class path).
 */
public final class SsmOps {

    static {
        SsmRuntime.ensureInstalled();
    }

    private SsmOps() {
    }

    /**
     * Adds a causal depthwise conv1d: {@code y[b,t,c] = act(bias[c] + sum_k weight[c,k] *
     * x[b, t-(width-1)+k, c])}, with x before the sequence taken from {@code initialState}
     * (zeros without one).
     *
     * @param name         name of {@code y} (the final state is {@code name + ":1"}), or null for a generated one
     * @param x            (batch, length, channels), or (batch, channels, length) in {@link Layout#CHANNELS_FIRST}
     * @param weight       (channels, width)
     * @param bias         (channels), or null for none
     * @param initialState (batch, channels, width-1): the inputs just before the sequence, or null for zeros
     * @return y (shaped like x) and the final conv state (batch, channels, width-1)
     * @throws IllegalArgumentException if the variables' types do not match or are not FLOAT or DOUBLE
     */
    public static CausalConv1dResult<SDVariable> causalConv1d(SameDiff sd, @Nullable String name, SDVariable x,
                                                              SDVariable weight, @Nullable SDVariable bias,
                                                              @Nullable SDVariable initialState,
                                                              CausalConv1dConfig config) {
        CausalConv1d op = new CausalConv1d(sd, x, weight, bias, initialState, config);
        SDVariable[] outputs = name == null ? op.outputVariables() : op.outputVariables(name);
        return new CausalConv1dResult<>(outputs[0], outputs[1]);
    }

    /**
     * Runs the causal conv1d on arrays; same arguments as
     * {@link #causalConv1d(SameDiff, String, SDVariable, SDVariable, SDVariable, SDVariable, CausalConv1dConfig)}.
     *
     * @throws IllegalArgumentException if an array has the wrong rank, shape or type
     */
    public static CausalConv1dResult<INDArray> causalConv1d(INDArray x, INDArray weight, @Nullable INDArray bias,
                                                            @Nullable INDArray initialState,
                                                            CausalConv1dConfig config) {
        INDArray[] outputs = Nd4j.exec(new CausalConv1d(x, weight, bias, initialState, config));
        return new CausalConv1dResult<>(outputs[0], outputs[1]);
    }

    /**
     * Adds a selective scan (Mamba's {@code selective_scan_fn}): per batch row, channel and
     * state, {@code h_t = exp(delta'_t A) h_{t-1} + delta'_t B_t u_t} from {@code initialState}
     * (zeros without one), {@code y_t = <h_t, C_t> + D u_t}, output {@code y silu(z)}, where
     * {@code delta' = softplus(delta + deltaBias)} (without softplus if the config says so).
     * Both outputs are differentiable with respect to every input.
     *
     * @param name         name of y (the last state is {@code name + ":1"}), or null for a generated one
     * @param u            (batch, length, channels), or (batch, channels, length) in {@link Layout#CHANNELS_FIRST}
     * @param delta        shaped like u
     * @param a            A, (channels, state); negative for a decaying state
     * @param b            B, (batch, length, state) or grouped (batch, length, groups, state); channels-first
     *                     (batch, state, length) or (batch, groups, state, length); groups divide channels
     * @param c            C, shaped like B
     * @param d            D, (channels), or null for no skip term
     * @param z            the gate, shaped like u, or null for no gate
     * @param deltaBias    (channels), or null for none
     * @param initialState (batch, channels, state), or null for zeros
     * @return y (shaped like u) and the last state (batch, channels, state)
     * @throws IllegalArgumentException if the variables' types differ or are not FLOAT or DOUBLE
     */
    public static SelectiveScanResult<SDVariable> selectiveScan(SameDiff sd, @Nullable String name, SDVariable u,
                                                                SDVariable delta, SDVariable a, SDVariable b,
                                                                SDVariable c, @Nullable SDVariable d,
                                                                @Nullable SDVariable z, @Nullable SDVariable deltaBias,
                                                                @Nullable SDVariable initialState,
                                                                SelectiveScanConfig config) {
        SelectiveScan op = new SelectiveScan(sd, u, delta, a, b, c, d, z, deltaBias, initialState, config);
        SDVariable[] outputs = name == null ? op.outputVariables() : op.outputVariables(name);
        return new SelectiveScanResult<>(outputs[0], outputs[1]);
    }

    /**
     * Runs the selective scan on arrays; same arguments as
     * {@link #selectiveScan(SameDiff, String, SDVariable, SDVariable, SDVariable, SDVariable, SDVariable,
     * SDVariable, SDVariable, SDVariable, SDVariable, SelectiveScanConfig)}.
     *
     * @throws IllegalArgumentException if an array has the wrong rank, shape or type, or A holds NaN
     */
    public static SelectiveScanResult<INDArray> selectiveScan(INDArray u, INDArray delta, INDArray a, INDArray b,
                                                              INDArray c, @Nullable INDArray d, @Nullable INDArray z,
                                                              @Nullable INDArray deltaBias,
                                                              @Nullable INDArray initialState,
                                                              SelectiveScanConfig config) {
        INDArray[] outputs = Nd4j.exec(new SelectiveScan(u, delta, a, b, c, d, z, deltaBias, initialState, config));
        return new SelectiveScanResult<>(outputs[0], outputs[1]);
    }

    /**
     * Adds RMSNorm of each row: {@code y = weight * (x / sqrt(mean(x², row) + epsilon))}, as
     * Hugging Face's {@code MambaRMSNorm}, one op forward and one backward.
     *
     * @param name    name of {@code y}, or null for a generated one
     * @param x       (rows, width)
     * @param weight  (width)
     * @param epsilon added to each row's mean square, finite and {@code >= 0}
     * @return y, (rows, width)
     */
    public static SDVariable rmsNorm(SameDiff sd, @Nullable String name, SDVariable x, SDVariable weight,
                                     double epsilon) {
        RmsNorm op = new RmsNorm(sd, x, weight, epsilon);
        return name == null ? op.outputVariable() : op.outputVariables(name)[0];
    }

    /**
     * Runs RMSNorm on arrays; same arguments as {@link #rmsNorm(SameDiff, String, SDVariable, SDVariable, double)}.
     *
     * @throws IllegalArgumentException if an array has the wrong rank, shape or type, or epsilon is not finite and {@code >= 0}
     */
    public static INDArray rmsNorm(INDArray x, INDArray weight, double epsilon) {
        return Nd4j.exec(new RmsNorm(x, weight, epsilon))[0];
    }
}
