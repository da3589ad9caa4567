package org.ssm4j.ops.norm;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.ssm4j.kernels.cpu.RmsNormCpu;
import org.ssm4j.ops.FloatingPointOp;
import org.ssm4j.ops.OpArrays;
import org.ssm4j.ops.runtime.DenseArrays;

import java.util.Arrays;
import java.util.List;

/**
 * The {@code rms_norm} op: RMSNorm of each row, {@code y = weight * (x / sqrt(mean(x², row) + epsilon))},
 * as Hugging Face's {@code MambaRMSNorm}, in one pass ({@link RmsNormCpu}); its gradient is
 * {@link RmsNormBp}, one pass too.
 *
 * <p>Built from stock SameDiff ops the same function takes a square, a mean, an rsqrt and two
 * broadcast multiplies, whose backward ops (ND4J's broadcasting {@code multiply_bp} above all)
 * took a fifth of a Mamba training step (docs/benchmarks.md, "Training step").
 *
 * <p>Inputs: {@code x} (rows, width) and {@code weight} (width), both FLOAT or both DOUBLE.
 * Output: {@code y} (rows, width). The epsilon is the op's one floating-point argument.
 */
public final class RmsNorm extends FloatingPointOp {

    /** The op's name in SameDiff graphs. */
    public static final String OP_NAME = "rms_norm";
    private static final List<String> INPUTS = List.of("x", "weight");
    private static final List<String> OUTPUTS = List.of("y");

    /** For SameDiff's deserialisation. */
    public RmsNorm() {
    }

    /** Adds the op to a graph. */
    public RmsNorm(SameDiff sameDiff, SDVariable x, SDVariable weight, double epsilon) {
        super(sameDiff, new SDVariable[]{x, weight});
        addTArgument(checkedEpsilon(epsilon));
    }

    /** The op on arrays, for eager execution; the output is allocated. */
    public RmsNorm(INDArray x, INDArray weight, double epsilon) {
        super(new INDArray[]{x, weight}, null);
        addTArgument(checkedEpsilon(epsilon));
    }

    @Override
    public String opName() {
        return OP_NAME;
    }

    @Override
    protected List<String> inputNames() {
        return INPUTS;
    }

    @Override
    protected List<String> outputNames() {
        return OUTPUTS;
    }

    @Override
    protected List<LongShapeDescriptor> outputShapes(INDArray[] inputs) {
        checkInputs(OP_NAME, INPUTS, inputs);
        return List.of(denseShape(inputs[0].dataType(), inputs[0].shape()));
    }

    @Override
    public void compute(INDArray[] inputs, INDArray[] outputs) {
        checkInputs(OP_NAME, INPUTS, inputs);
        INDArray x = DenseArrays.dense(inputs[0]);
        INDArray weight = DenseArrays.dense(inputs[1]);
        OpArrays.expectOutputs(OP_NAME, OUTPUTS, outputs, List.of(x.shape()), x.dataType());
        DenseArrays.Output y = DenseArrays.output(outputs[0]);
        RmsNormCpu.forward(OpArrays.elementType(x.dataType()), DenseArrays.segment(x), DenseArrays.segment(weight),
                epsilon(OP_NAME, tArgs()), y.segment(), (int) x.size(0), (int) x.size(1));
        y.commit();
    }

    /** The gradients of x and weight, by {@link RmsNormBp}. */
    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradients) {
        return Arrays.asList(new RmsNormBp(sameDiff, arg(0), arg(1), gradients.get(0), epsilon(OP_NAME, tArgs()))
                .outputVariables());
    }

    /**
     * Checks an op's inputs, named {@code names}: all FLOAT or all DOUBLE, the first two x
     * (rows, width) and weight (width).
     *
     * @throws IllegalArgumentException naming the input, its shape or type and the one expected
     */
    static void checkInputs(String op, List<String> names, INDArray[] inputs) {
        OpArrays.checkTypes(op, names, Arrays.stream(inputs).map(INDArray::dataType).toList());
        INDArray x = inputs[0];
        if (x.rank() != 2 || x.size(1) < 1 || x.size(0) > Integer.MAX_VALUE || x.size(1) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": x has shape " + Arrays.toString(x.shape())
                    + ", expected (rows, width) with 1 <= width and both below 2^31");
        }
        OpArrays.expectShape(op, "weight", inputs[1], x.size(1));
    }

    /** The epsilon in an op's floating-point arguments. */
    static double epsilon(String op, double[] tArgs) {
        if (tArgs.length != 1) {
            throw new IllegalArgumentException(op + " takes one floating-point argument (epsilon), got "
                    + Arrays.toString(tArgs));
        }
        return checkedEpsilon(tArgs[0]);
    }

    private static double checkedEpsilon(double epsilon) {
        if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("RMSNorm epsilon must be finite and >= 0, got " + epsilon);
        }
        return epsilon;
    }
}
