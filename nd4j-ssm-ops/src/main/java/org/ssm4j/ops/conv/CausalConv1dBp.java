package org.ssm4j.ops.conv;

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
import java.util.List;

/**
 * The backward op of {@link CausalConv1d}, {@code causal_conv1d_bp}.
 *
 * <p>Inputs: the forward inputs (x, weight, [bias], [initialState]), then the gradients of y
 * (shaped like x) and of the final state (batch, channels, width-1). Outputs: the gradients
 * of x, weight, and of bias and initial state when the forward op has them.
 */
public final class CausalConv1dBp extends FloatingPointOp {

    /** The op's name in SameDiff graphs. */
    public static final String OP_NAME = "causal_conv1d_bp";

    /** For SameDiff's deserialisation. */
    public CausalConv1dBp() {
    }

    CausalConv1dBp(SameDiff sameDiff, SDVariable[] inputs, ConvOptions options) {
        super(sameDiff, inputs);
        addIArgument(options.toIArgs());
    }

    /** The op on arrays (inputs as the class describes); the outputs are allocated. */
    CausalConv1dBp(INDArray[] inputs, ConvOptions options) {
        super(inputs, null);
        addIArgument(options.toIArgs());
    }

    private ConvOptions options() {
        return ConvOptions.fromIArgs(OP_NAME, iArgs());
    }

    private static List<String> inputNames(ConvOptions options) {
        return ConvInputs.names(options, "dy", "dFinalState");
    }

    @Override
    protected List<String> inputNames() {
        return inputNames(options());
    }

    /** The gradients of the forward inputs, in their order. */
    @Override
    protected List<String> outputNames() {
        return gradientNames(ConvInputs.names(options()));
    }

    @Override
    public String opName() {
        return OP_NAME;
    }

    private CausalConv1dSpec spec(ConvOptions options, INDArray[] inputs) {
        CausalConv1dSpec spec = ConvInputs.spec(OP_NAME, options, inputNames(options), inputs);
        int gradients = options.forwardInputs();
        OpArrays.expectShape(OP_NAME, "dy", inputs[gradients], ConvInputs.sequenceShape(options, spec));
        OpArrays.expectShape(OP_NAME, "dFinalState", inputs[gradients + 1], ConvInputs.stateShape(spec));
        return spec;
    }

    private static List<long[]> outputShapes(ConvOptions options, CausalConv1dSpec spec) {
        List<long[]> shapes = new ArrayList<>();
        shapes.add(ConvInputs.sequenceShape(options, spec));
        shapes.add(new long[]{spec.channels(), spec.width()});
        if (options.hasBias()) {
            shapes.add(new long[]{spec.channels()});
        }
        if (options.hasInitialState()) {
            shapes.add(ConvInputs.stateShape(spec));
        }
        return shapes;
    }

    @Override
    protected List<LongShapeDescriptor> outputShapes(INDArray[] inputs) {
        ConvOptions options = options();
        CausalConv1dSpec spec = spec(options, inputs);
        DataType type = inputs[0].dataType();
        return outputShapes(options, spec).stream().map(shape -> denseShape(type, shape)).toList();
    }

    @Override
    public void compute(INDArray[] inputs, INDArray[] outputs) {
        ConvOptions options = options();
        CausalConv1dSpec spec = spec(options, inputs);
        DataType type = inputs[0].dataType();
        OpArrays.expectOutputs(OP_NAME, outputNames(), outputs, outputShapes(options, spec), type);
        int gradients = options.forwardInputs();
        INDArray x = DenseArrays.dense(options.layout().channelsLastView(inputs[0]));
        INDArray weight = DenseArrays.dense(inputs[1]);
        INDArray bias = options.hasBias() ? DenseArrays.dense(inputs[2]) : null;
        INDArray initialState = options.hasInitialState() ? DenseArrays.dense(inputs[gradients - 1]) : null;
        INDArray dy = DenseArrays.dense(options.layout().channelsLastView(inputs[gradients]));
        INDArray dFinalState = DenseArrays.dense(inputs[gradients + 1]);
        DenseArrays.Output dx = DenseArrays.output(options.layout().channelsLastView(outputs[0]));
        DenseArrays.Output dWeight = DenseArrays.output(outputs[1]);
        DenseArrays.Output dBias = options.hasBias() ? DenseArrays.output(outputs[2]) : null;
        DenseArrays.Output dInitialState = options.hasInitialState()
                ? DenseArrays.output(outputs[outputs.length - 1]) : null;
        CausalConv1dCpu.backward(spec, OpArrays.elementType(type), DenseArrays.segment(x),
                DenseArrays.segment(weight), bias == null ? null : DenseArrays.segment(bias),
                initialState == null ? null : DenseArrays.segment(initialState), DenseArrays.segment(dy),
                DenseArrays.segment(dFinalState), dx.segment(), dWeight.segment(),
                dBias == null ? null : dBias.segment(), dInitialState == null ? null : dInitialState.segment());
        dx.commit();
        dWeight.commit();
        if (dBias != null) {
            dBias.commit();
        }
        if (dInitialState != null) {
            dInitialState.commit();
        }
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradients) {
        throw new UnsupportedOperationException(OP_NAME + " has no gradient (second derivatives are not supported)");
    }
}
