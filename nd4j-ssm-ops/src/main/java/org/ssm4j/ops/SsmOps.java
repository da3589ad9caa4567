package org.ssm4j.ops;

import org.jspecify.annotations.Nullable;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.ops.conv.CausalConv1d;
import org.ssm4j.ops.conv.CausalConv1dConfig;
import org.ssm4j.ops.conv.CausalConv1dResult;
import org.ssm4j.ops.runtime.SsmRuntime;

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
}
