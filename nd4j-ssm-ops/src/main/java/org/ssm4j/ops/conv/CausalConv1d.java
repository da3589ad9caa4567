package org.ssm4j.ops.conv;

import org.jspecify.annotations.Nullable;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.ssm4j.kernels.CausalConv1dSpec;
import org.ssm4j.kernels.cpu.CausalConv1dCpu;
import org.ssm4j.ops.FloatingPointOp;
import org.ssm4j.ops.OpArrays;
import org.ssm4j.ops.runtime.DenseArrays;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The {@code causal_conv1d} op: a depthwise causal 1-D convolution with optional bias, SiLU
 * and initial conv state, as in Mamba.
 *
 * <p>Inputs: {@code x} (batch, length, channels) or (batch, channels, length) by layout,
 * {@code weight} (channels, width), optional {@code bias} (channels), optional
 * {@code initialState} (batch, channels, width-1). Outputs: {@code y} (shaped like x) and the
 * final conv state (batch, channels, width-1). See {@code docs/ops.md}.
 */
public final class CausalConv1d extends FloatingPointOp {

    /** The op's name in SameDiff graphs. */
    public static final String OP_NAME = "causal_conv1d";
    private static final List<String> OUTPUTS = List.of("y", "finalState");

    /** For SameDiff's deserialisation. */
    public CausalConv1d() {
    }

    /** Adds the op to a graph. */
    public CausalConv1d(SameDiff sameDiff, SDVariable x, SDVariable weight, @Nullable SDVariable bias,
                        @Nullable SDVariable initialState, CausalConv1dConfig config) {
        super(sameDiff, present(x, weight, bias, initialState).toArray(SDVariable[]::new));
        addIArgument(ConvOptions.of(config, bias != null, initialState != null).toIArgs());
    }

    /** The op on arrays, for eager execution; the outputs are allocated. */
    public CausalConv1d(INDArray x, INDArray weight, @Nullable INDArray bias, @Nullable INDArray initialState,
                        CausalConv1dConfig config) {
        super(present(x, weight, bias, initialState).toArray(INDArray[]::new), null);
        addIArgument(ConvOptions.of(config, bias != null, initialState != null).toIArgs());
    }

    @SafeVarargs
    private static <T> Stream<T> present(T x, T weight, T... optional) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(weight, "weight");
        return Stream.concat(Stream.of(x, weight), Arrays.stream(optional).filter(Objects::nonNull));
    }

    ConvOptions options() {
        return ConvOptions.fromIArgs(OP_NAME, iArgs());
    }

    @Override
    public String opName() {
        return OP_NAME;
    }

    @Override
    protected List<String> inputNames() {
        return ConvInputs.names(options());
    }

    @Override
    protected List<String> outputNames() {
        return OUTPUTS;
    }

    @Override
    protected List<LongShapeDescriptor> outputShapes(INDArray[] inputs) {
        ConvOptions options = options();
        CausalConv1dSpec spec = ConvInputs.spec(OP_NAME, options, ConvInputs.names(options), inputs);
        DataType type = inputs[0].dataType();
        return List.of(denseShape(type, ConvInputs.sequenceShape(options, spec)),
                denseShape(type, ConvInputs.stateShape(spec)));
    }

    @Override
    public void compute(INDArray[] inputs, INDArray[] outputs) {
        ConvOptions options = options();
        CausalConv1dSpec spec = ConvInputs.spec(OP_NAME, options, ConvInputs.names(options), inputs);
        DataType type = inputs[0].dataType();
        OpArrays.expectOutputs(OP_NAME, OUTPUTS, outputs,
                List.of(ConvInputs.sequenceShape(options, spec), ConvInputs.stateShape(spec)), type);
        INDArray x = DenseArrays.dense(options.layout().channelsLastView(inputs[0]));
        INDArray weight = DenseArrays.dense(inputs[1]);
        INDArray bias = options.hasBias() ? DenseArrays.dense(inputs[2]) : null;
        INDArray initialState = options.hasInitialState() ? DenseArrays.dense(inputs[inputs.length - 1]) : null;
        DenseArrays.Output y = DenseArrays.output(options.layout().channelsLastView(outputs[0]));
        DenseArrays.Output finalState = DenseArrays.output(outputs[1]);
        CausalConv1dCpu.forward(spec, OpArrays.elementType(type), DenseArrays.segment(x),
                DenseArrays.segment(weight), bias == null ? null : DenseArrays.segment(bias),
                initialState == null ? null : DenseArrays.segment(initialState), y.segment(), finalState.segment());
        y.commit();
        finalState.commit();
    }

    /**
     * Gradients of x, weight and, when present, bias and initial state, from those of y and
     * the final state (zeros when the final state does not reach the loss).
     */
    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradients) {
        List<SDVariable> inputs = new ArrayList<>(Arrays.asList(args()));
        inputs.add(gradients.get(0));
        SDVariable finalStateGradient = gradients.size() > 1 ? gradients.get(1) : null;
        inputs.add(finalStateGradient != null ? finalStateGradient : sameDiff.zerosLike(outputVariables()[1]));
        return Arrays.asList(new CausalConv1dBp(sameDiff, inputs.toArray(SDVariable[]::new), options())
                .outputVariables());
    }
}
