package org.ssm4j.ops.scan;

import org.jspecify.annotations.Nullable;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.ssm4j.kernels.ScanBackward;
import org.ssm4j.kernels.ScanSpec;
import org.ssm4j.kernels.cuda.DeviceBackward;
import org.ssm4j.ops.OpArrays;
import org.ssm4j.ops.runtime.DenseArrays;
import org.ssm4j.ops.runtime.DeviceArrays;

import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;

import static org.ssm4j.ops.scan.DenseInputs.input;
import static org.ssm4j.ops.scan.DenseInputs.output;
import static org.ssm4j.ops.scan.DenseInputs.segment;

/**
 * The backward op of {@link SelectiveScan}, {@code selective_scan_bp}.
 *
 * <p>Inputs: the forward inputs (u, delta, A, B, C, [D], [z], [deltaBias], [initialState]),
 * the forward op's checkpoints, then the gradients of y (like u) and of the last state
 * (batch, channels, state). Outputs: the gradient of every forward input, each shaped like
 * it. The states are recomputed from the checkpoints one interval at a time, so the op needs
 * memory for its outputs and a few hundred kilobytes per thread, not for every state.
 */
public final class SelectiveScanBp extends ScanOp {

    /** The op's name in SameDiff graphs. */
    public static final String OP_NAME = "selective_scan_bp";

    /** For SameDiff's deserialisation. */
    public SelectiveScanBp() {
    }

    SelectiveScanBp(SameDiff sameDiff, SDVariable[] inputs, ScanOptions options) {
        super(sameDiff, inputs);
        addIArgument(options.toIArgs());
    }

    /** The op on arrays (inputs as the class describes); the outputs are allocated. */
    SelectiveScanBp(INDArray[] inputs, ScanOptions options) {
        super(inputs, null);
        addIArgument(options.toIArgs());
    }

    /**
     * The backward op of a forward op run eagerly, for eager execution; the outputs (the
     * gradients of {@code forward}'s inputs, in its input order) are allocated.
     *
     * @param forward     the executed forward op: its inputs and options are reused
     * @param checkpoints its third output
     * @param dy          the gradient of y, shaped like u
     * @param dLastState  the gradient of the last state, (batch, channels, state)
     */
    public SelectiveScanBp(SelectiveScan forward, INDArray checkpoints, INDArray dy, INDArray dLastState) {
        this(withGradients(forward.inputArguments(), checkpoints, dy, dLastState), forward.options());
    }

    private static INDArray[] withGradients(List<INDArray> forwardInputs, INDArray... more) {
        List<INDArray> all = new ArrayList<>(forwardInputs);
        all.addAll(List.of(more));
        return all.toArray(INDArray[]::new);
    }

    private ScanOptions options() {
        return ScanOptions.fromIArgs(OP_NAME, iArgs());
    }

    private static List<String> inputNames(ScanOptions options) {
        return ScanInputs.names(options, "checkpoints", "dy", "dLastState");
    }

    @Override
    protected List<String> inputNames() {
        return inputNames(options());
    }

    /** The gradients of the forward inputs, in their order. */
    @Override
    protected List<String> outputNames() {
        return gradientNames(ScanInputs.names(options()));
    }

    @Override
    public String opName() {
        return OP_NAME;
    }

    private static ScanSpec spec(ScanOptions options, INDArray[] inputs) {
        ScanSpec spec = ScanInputs.spec(OP_NAME, options, inputNames(options), inputs);
        int next = options.forwardInputs();
        OpArrays.expectShape(OP_NAME, "checkpoints", inputs[next], ScanInputs.checkpointShape(spec));
        OpArrays.expectShape(OP_NAME, "dy", inputs[next + 1], ScanInputs.sequenceShape(options, spec));
        OpArrays.expectShape(OP_NAME, "dLastState", inputs[next + 2], ScanInputs.stateShape(spec));
        return spec;
    }

    /** Each gradient is shaped like its input. */
    private static List<long[]> outputShapes(ScanOptions options, INDArray[] inputs) {
        List<long[]> shapes = new ArrayList<>();
        for (int i = 0; i < options.forwardInputs(); i++) {
            shapes.add(inputs[i].shape());
        }
        return shapes;
    }

    @Override
    protected List<LongShapeDescriptor> outputShapes(INDArray[] inputs) {
        ScanOptions options = options();
        spec(options, inputs);
        DataType type = inputs[0].dataType();
        return outputShapes(options, inputs).stream().map(shape -> denseShape(type, shape)).toList();
    }

    @Override
    void run(INDArray[] inputs, INDArray[] outputs, @Nullable DeviceArrays device) {
        ScanOptions options = options();
        ScanSpec spec = spec(options, inputs);
        DataType type = inputs[0].dataType();
        OpArrays.expectOutputs(OP_NAME, outputNames(), outputs, outputShapes(options, inputs), type);
        DenseArrays.Access access = DenseArrays.Access.of(device);
        DenseInputs in = DenseInputs.of(OP_NAME, options, inputs, access);
        int next = options.forwardInputs();
        INDArray checkpoints = access.dense(inputs[next]);
        INDArray dy = access.dense(options.layout().channelsLastView(inputs[next + 1]));
        INDArray dLastState = access.dense(inputs[next + 2]);
        List<DenseArrays.Output> gradients = new ArrayList<>();
        gradients.add(access.output(options.layout().channelsLastView(outputs[0])));
        gradients.add(access.output(options.layout().channelsLastView(outputs[1])));
        gradients.add(access.output(outputs[2]));
        gradients.add(access.output(ScanInputs.groupsChannelsLast(options, outputs[3])));
        gradients.add(access.output(ScanInputs.groupsChannelsLast(options, outputs[4])));
        int out = 5;
        DenseArrays.Output dD = options.hasD() ? add(gradients, access.output(outputs[out++])) : null;
        DenseArrays.Output dZ = options.hasZ()
                ? add(gradients, access.output(options.layout().channelsLastView(outputs[out++]))) : null;
        DenseArrays.Output dBias = options.hasDeltaBias() ? add(gradients, access.output(outputs[out++])) : null;
        DenseArrays.Output dH0 = options.hasInitialState() ? add(gradients, access.output(outputs[out])) : null;
        if (device == null) {
            ScanInputs.kernel(type).backward(spec, new ScanBackward(OpArrays.elementType(type),
                    segment(in.u()), segment(in.delta()), segment(in.a()), segment(in.b()), segment(in.c()),
                    segment(in.d()), segment(in.z()), segment(in.deltaBias()), segment(in.initialState()),
                    segment(checkpoints), segment(dy), segment(dLastState),
                    gradients.get(0).segment(), gradients.get(1).segment(), gradients.get(2).segment(),
                    gradients.get(3).segment(), gradients.get(4).segment(),
                    dD == null ? null : dD.segment(), dZ == null ? null : dZ.segment(),
                    dBias == null ? null : dBias.segment(), dH0 == null ? null : dH0.segment()));
            gradients.forEach(DenseArrays.Output::commit);
        } else {
            ScanInputs.deviceKernel(type, device).backwardOnDevice(spec, OpArrays.elementType(type), new DeviceBackward(
                    input(device, in.u()), input(device, in.delta()), input(device, in.a()), input(device, in.b()),
                    input(device, in.c()), input(device, in.d()), input(device, in.z()),
                    input(device, in.deltaBias()), input(device, in.initialState()),
                    input(device, checkpoints), input(device, dy), input(device, dLastState),
                    output(device, gradients.get(0)), output(device, gradients.get(1)),
                    output(device, gradients.get(2)), output(device, gradients.get(3)),
                    output(device, gradients.get(4)), output(device, dD), output(device, dZ),
                    output(device, dBias), output(device, dH0)), device.stream());
            gradients.forEach(gradient -> gradient.commit(device));
        }
        Reference.reachabilityFence(in);
        Reference.reachabilityFence(checkpoints);
        Reference.reachabilityFence(dy);
        Reference.reachabilityFence(dLastState);
    }

    private static DenseArrays.Output add(List<DenseArrays.Output> list, DenseArrays.Output output) {
        list.add(output);
        return output;
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradients) {
        throw new UnsupportedOperationException(OP_NAME + " has no gradient (second derivatives are not supported)");
    }
}
