package org.ssm4j.ops.sequence;

import org.jspecify.annotations.Nullable;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.ops.OpArrays;
import org.ssm4j.ops.runtime.DenseArrays;
import org.ssm4j.ops.runtime.SingleOutputOp;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/**
 * {@code sequence_reverse}: a (batch, length, ...) array with its positions in reverse order,
 * {@code y[b, t] = x[b, length-1-t]}, for arrays of any type. Its gradient is the same reversal
 * of the output's gradient.
 *
 * <p>It stands in for SameDiff's own {@code reverse} op, whose output arrays ND4J 1.0.0-M2.1
 * never frees inside a graph: a bidirectional Mamba built on it grew by 13 MB a training step
 * (docs/ops.md, "sequence_reverse").
 */
public final class SequenceReverse extends SingleOutputOp {

    /** The op's name in SameDiff graphs. */
    public static final String OP_NAME = "sequence_reverse";

    /** For SameDiff's deserialisation. */
    public SequenceReverse() {
    }

    private SequenceReverse(SameDiff sameDiff, SDVariable x) {
        super(sameDiff, new SDVariable[]{x});
    }

    private SequenceReverse(INDArray x) {
        super(new INDArray[]{x}, null);
    }

    /**
     * Adds the reversal of {@code x}'s positions (axis 1) to a graph.
     *
     * @param name the output's name, or null for a generated one
     * @param x    (batch, length, ...), rank at least 2
     */
    public static SDVariable reverse(SameDiff sameDiff, @Nullable String name, SDVariable x) {
        SequenceReverse op = new SequenceReverse(sameDiff, x);
        return name == null ? op.outputVariable() : op.outputVariables(name)[0];
    }

    /**
     * Reverses {@code x}'s positions (axis 1) eagerly.
     *
     * @throws IllegalArgumentException if {@code x} has rank below 2
     */
    public static INDArray reverse(INDArray x) {
        return Nd4j.exec(new SequenceReverse(x))[0];
    }

    @Override
    public String opName() {
        return OP_NAME;
    }

    @Override
    public List<DataType> calculateOutputDataTypes(List<DataType> inputTypes) {
        if (inputTypes.size() != 1) {
            throw new IllegalArgumentException(OP_NAME + " expects 1 input (x), got " + inputTypes.size());
        }
        return List.of(inputTypes.getFirst());
    }

    @Override
    protected List<LongShapeDescriptor> outputShapes(INDArray[] inputs) {
        check(inputs);
        return List.of(denseShape(inputs[0].dataType(), inputs[0].shape()));
    }

    private static void check(INDArray[] inputs) {
        if (inputs.length != 1) {
            throw new IllegalArgumentException(OP_NAME + " expects 1 input (x), got " + inputs.length);
        }
        if (inputs[0].rank() < 2) {
            throw new IllegalArgumentException(OP_NAME + ": x has shape " + Arrays.toString(inputs[0].shape())
                    + "; expected (batch, length, ...) of rank at least 2");
        }
    }

    @Override
    public void compute(INDArray[] inputs, INDArray[] outputs) {
        check(inputs);
        INDArray x = DenseArrays.dense(inputs[0]);
        OpArrays.expectOutputs(OP_NAME, List.of("y"), outputs, List.of(x.shape()), x.dataType());
        long batch = x.size(0);
        long length = x.size(1);
        long positionBytes = x.length() / Math.max(1, batch * length) * x.dataType().width();
        MemorySegment from = DenseArrays.segment(x);
        DenseArrays.Output out = DenseArrays.output(outputs[0]);
        MemorySegment to = out.segment();
        for (long b = 0; b < batch; b++) {
            long row = b * length;
            for (long t = 0; t < length; t++) {
                MemorySegment.copy(from, (row + t) * positionBytes, to, (row + length - 1 - t) * positionBytes,
                        positionBytes);
            }
        }
        out.commit();
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradients) {
        return List.of(reverse(sameDiff, null, gradients.getFirst()));
    }
}
