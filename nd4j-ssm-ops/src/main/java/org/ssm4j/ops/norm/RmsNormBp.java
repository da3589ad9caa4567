package org.ssm4j.ops.norm;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.ssm4j.kernels.cpu.RmsNormCpu;
import org.ssm4j.ops.FloatingPointOp;
import org.ssm4j.ops.OpArrays;
import org.ssm4j.ops.runtime.DenseArrays;

import java.util.List;

/**
 * The backward op of {@link RmsNorm}, {@code rms_norm_bp}: from x, weight and the gradient of
 * y, the gradients of x and weight (each row's scale recomputed from x, nothing stored).
 *
 * <p>Inputs: {@code x} (rows, width), {@code weight} (width), {@code dY} (rows, width).
 * Outputs: {@code dX} (rows, width), {@code dWeight} (width).
 */
public final class RmsNormBp extends FloatingPointOp {

    /** The op's name in SameDiff graphs. */
    public static final String OP_NAME = "rms_norm_bp";
    private static final List<String> INPUTS = List.of("x", "weight", "dY");
    private static final List<String> OUTPUTS = gradientNames(List.of("x", "weight"));

    /** For SameDiff's deserialisation. */
    public RmsNormBp() {
    }

    RmsNormBp(SameDiff sameDiff, SDVariable x, SDVariable weight, SDVariable dy, double epsilon) {
        super(sameDiff, new SDVariable[]{x, weight, dy});
        addTArgument(epsilon);
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
        check(inputs);
        return List.of(denseShape(inputs[0].dataType(), inputs[0].shape()),
                denseShape(inputs[0].dataType(), inputs[1].shape()));
    }

    private static void check(INDArray[] inputs) {
        RmsNorm.checkInputs(OP_NAME, INPUTS, inputs);
        OpArrays.expectShape(OP_NAME, "dY", inputs[2], inputs[0].shape());
    }

    @Override
    public void compute(INDArray[] inputs, INDArray[] outputs) {
        check(inputs);
        INDArray x = DenseArrays.dense(inputs[0]);
        INDArray weight = DenseArrays.dense(inputs[1]);
        INDArray dy = DenseArrays.dense(inputs[2]);
        OpArrays.expectOutputs(OP_NAME, OUTPUTS, outputs, List.of(x.shape(), weight.shape()), x.dataType());
        DenseArrays.Output dx = DenseArrays.output(outputs[0]);
        DenseArrays.Output dWeight = DenseArrays.output(outputs[1]);
        RmsNormCpu.backward(OpArrays.elementType(x.dataType()), DenseArrays.segment(x), DenseArrays.segment(weight),
                DenseArrays.segment(dy), RmsNorm.epsilon(OP_NAME, tArgs()), dx.segment(), dWeight.segment(),
                (int) x.size(0), (int) x.size(1));
        dx.commit();
        dWeight.commit();
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradients) {
        throw new UnsupportedOperationException(OP_NAME + " has no gradient (second derivatives are not supported)");
    }
}
