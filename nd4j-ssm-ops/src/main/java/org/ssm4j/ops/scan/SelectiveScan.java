package org.ssm4j.ops.scan;

import org.jspecify.annotations.Nullable;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.ssm4j.kernels.ScanForward;
import org.ssm4j.kernels.ScanSpec;
import org.ssm4j.kernels.cuda.DeviceForward;
import org.ssm4j.ops.OpArrays;
import org.ssm4j.ops.runtime.DenseArrays;
import org.ssm4j.ops.runtime.DeviceArrays;

import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

import static org.ssm4j.ops.scan.DenseInputs.input;
import static org.ssm4j.ops.scan.DenseInputs.output;
import static org.ssm4j.ops.scan.DenseInputs.segment;

/**
 * The {@code selective_scan} op: Mamba's selective state space scan
 * ({@code selective_scan_fn} of state-spaces/mamba).
 *
 * <p>Per batch row, channel c and state n, with {@code delta' = softplus(delta + delta_bias)}
 * (or without softplus): {@code h_t = exp(delta'_t A) h_{t-1} + delta'_t B_t u_t},
 * {@code y_t = <h_t, C_t> + D u_t}, {@code out = y silu(z)}.
 *
 * <p>Inputs: u, delta (batch, length, channels) or (batch, channels, length) by layout; A
 * (channels, state); B, C (batch, length, state) / (batch, length, groups, state), or
 * (batch, state, length) / (batch, groups, state, length) channels-first; optional D
 * (channels), z (like u), delta_bias (channels), initial state (batch, channels, state).
 * Outputs: y (like u), the last state (batch, channels, state) and the checkpoints
 * (batch, ceil(length / K), channels, state) that the backward op recomputes the states from.
 * FLOAT runs the Vector API kernel, DOUBLE the scalar one. On a GPU backend's FLOAT arrays
 * the CUDA kernels run on the arrays' device memory ({@link org.ssm4j.ops.runtime.DeviceKernelOp}). See {@code docs/ops.md}.
 */
public final class SelectiveScan extends ScanOp {

    /** The op's name in SameDiff graphs. */
    public static final String OP_NAME = "selective_scan";
    private static final List<String> OUTPUTS = List.of("y", "lastState", "checkpoints");

    /** For SameDiff's deserialisation. */
    public SelectiveScan() {
    }

    /** Adds the op to a graph; the optional inputs may be null. */
    public SelectiveScan(SameDiff sameDiff, SDVariable u, SDVariable delta, SDVariable a, SDVariable b, SDVariable c,
                         @Nullable SDVariable d, @Nullable SDVariable z, @Nullable SDVariable deltaBias,
                         @Nullable SDVariable initialState, SelectiveScanConfig config) {
        super(sameDiff, present(u, delta, a, b, c, d, z, deltaBias, initialState).toArray(SDVariable[]::new));
        addIArgument(ScanOptions.of(config, d != null, z != null, deltaBias != null, initialState != null).toIArgs());
    }

    /** The op on arrays, for eager execution; the optional inputs may be null; the outputs are allocated. */
    public SelectiveScan(INDArray u, INDArray delta, INDArray a, INDArray b, INDArray c, @Nullable INDArray d,
                         @Nullable INDArray z, @Nullable INDArray deltaBias, @Nullable INDArray initialState,
                         SelectiveScanConfig config) {
        super(present(u, delta, a, b, c, d, z, deltaBias, initialState).toArray(INDArray[]::new), null);
        addIArgument(ScanOptions.of(config, d != null, z != null, deltaBias != null, initialState != null).toIArgs());
    }

    @SafeVarargs
    private static <T> Stream<T> present(T u, T delta, T a, T b, T c, T... optional) {
        Objects.requireNonNull(u, "u");
        Objects.requireNonNull(delta, "delta");
        Objects.requireNonNull(a, "A");
        Objects.requireNonNull(b, "B");
        Objects.requireNonNull(c, "C");
        return Stream.concat(Stream.of(u, delta, a, b, c), Arrays.stream(optional).filter(Objects::nonNull));
    }

    ScanOptions options() {
        return ScanOptions.fromIArgs(OP_NAME, iArgs());
    }

    @Override
    public String opName() {
        return OP_NAME;
    }

    @Override
    protected List<String> inputNames() {
        return ScanInputs.names(options());
    }

    @Override
    protected List<String> outputNames() {
        return OUTPUTS;
    }

    private static List<long[]> outputShapes(ScanOptions options, ScanSpec spec) {
        return List.of(ScanInputs.sequenceShape(options, spec), ScanInputs.stateShape(spec),
                ScanInputs.checkpointShape(spec));
    }

    @Override
    protected List<LongShapeDescriptor> outputShapes(INDArray[] inputs) {
        ScanOptions options = options();
        ScanSpec spec = ScanInputs.spec(OP_NAME, options, ScanInputs.names(options), inputs);
        DataType type = inputs[0].dataType();
        return outputShapes(options, spec).stream().map(shape -> denseShape(type, shape)).toList();
    }

    @Override
    void run(INDArray[] inputs, INDArray[] outputs, @Nullable DeviceArrays device) {
        ScanOptions options = options();
        ScanSpec spec = ScanInputs.spec(OP_NAME, options, ScanInputs.names(options), inputs);
        DataType type = inputs[0].dataType();
        OpArrays.expectOutputs(OP_NAME, OUTPUTS, outputs, outputShapes(options, spec), type);
        DenseArrays.Access access = DenseArrays.Access.of(device);
        DenseInputs in = DenseInputs.of(OP_NAME, options, inputs, access);
        DenseArrays.Output y = access.output(options.layout().channelsLastView(outputs[0]));
        DenseArrays.Output lastState = access.output(outputs[1]);
        DenseArrays.Output checkpoints = access.output(outputs[2]);
        List<DenseArrays.Output> written = List.of(y, lastState, checkpoints);
        if (device == null) {
            ScanInputs.kernel(type).forward(spec, new ScanForward(OpArrays.elementType(type),
                    segment(in.u()), segment(in.delta()), segment(in.a()), segment(in.b()), segment(in.c()),
                    segment(in.d()), segment(in.z()), segment(in.deltaBias()), segment(in.initialState()),
                    y.segment(), lastState.segment(), checkpoints.segment()));
            written.forEach(DenseArrays.Output::commit);
        } else {
            ScanInputs.deviceKernel(type, device).forwardOnDevice(spec, OpArrays.elementType(type), new DeviceForward(
                    input(device, in.u()), input(device, in.delta()), input(device, in.a()), input(device, in.b()),
                    input(device, in.c()), input(device, in.d()), input(device, in.z()),
                    input(device, in.deltaBias()), input(device, in.initialState()),
                    output(device, y), output(device, lastState), output(device, checkpoints)), device.stream());
            written.forEach(out -> out.commit(device));
        }
        Reference.reachabilityFence(in);
    }

    /**
     * Gradients of every input from those of y and the last state (zeros for an output that
     * does not reach the loss), by {@link SelectiveScanBp}.
     */
    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradients) {
        SDVariable[] outputs = outputVariables();
        List<SDVariable> inputs = new ArrayList<>(Arrays.asList(args()));
        inputs.add(outputs[2]);
        inputs.add(gradientOrZeros(gradients, 0, outputs[0]));
        inputs.add(gradientOrZeros(gradients, 1, outputs[1]));
        return Arrays.asList(new SelectiveScanBp(sameDiff, inputs.toArray(SDVariable[]::new), options())
                .outputVariables());
    }

    private SDVariable gradientOrZeros(List<SDVariable> gradients, int output, SDVariable variable) {
        SDVariable gradient = gradients.size() > output ? gradients.get(output) : null;
        return gradient != null ? gradient : sameDiff.zerosLike(variable);
    }
}
