package org.ssm4j.ops.embedding;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.ssm4j.ops.runtime.DenseArrays;
import org.ssm4j.ops.runtime.SingleOutputOp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;

/**
 * The backward op of {@link TokenEmbedding}, {@code token_embedding_bp}: the table's gradient
 * is zero except in the rows of the ids, where it is the sum of the output gradients of every
 * position holding that id (added in position order, so the result is deterministic).
 *
 * <p>Inputs: {@code table} (read for its shape and type only), {@code ids}, {@code dOut}
 * ({@code ids.shape + [width]}). Output: {@code dTable}, shaped like the table.
 */
public final class TokenEmbeddingBp extends SingleOutputOp {

    /** The op's name in SameDiff graphs. */
    public static final String OP_NAME = "token_embedding_bp";

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    /** For SameDiff's deserialisation. */
    public TokenEmbeddingBp() {
    }

    TokenEmbeddingBp(SameDiff sameDiff, SDVariable table, SDVariable ids, SDVariable dOut) {
        super(sameDiff, new SDVariable[]{table, ids, dOut});
    }

    @Override
    public String opName() {
        return OP_NAME;
    }

    @Override
    public List<DataType> calculateOutputDataTypes(List<DataType> inputTypes) {
        TokenEmbedding.checkTypes(OP_NAME, inputTypes.get(0), inputTypes.get(1));
        if (inputTypes.get(2) != inputTypes.get(0)) {
            throw new IllegalArgumentException(OP_NAME + ": dOut is " + inputTypes.get(2) + " but the table is "
                    + inputTypes.get(0));
        }
        return List.of(inputTypes.get(0));
    }

    @Override
    protected List<LongShapeDescriptor> outputShapes(INDArray[] inputs) {
        check(inputs);
        return List.of(denseShape(inputs[0].dataType(), inputs[0].shape()));
    }

    private static void check(INDArray[] inputs) {
        TokenEmbedding.checkInputs(OP_NAME, inputs[0], inputs[1]);
        long[] expected = TokenEmbedding.outputShape(inputs[0], inputs[1]);
        if (!Arrays.equals(inputs[2].shape(), expected) || inputs[2].dataType() != inputs[0].dataType()) {
            throw new IllegalArgumentException(OP_NAME + ": dOut is " + inputs[2].dataType()
                    + Arrays.toString(inputs[2].shape()) + "; expected " + inputs[0].dataType() + Arrays.toString(expected));
        }
    }

    @Override
    public void compute(INDArray[] inputs, INDArray[] outputs) {
        check(inputs);
        INDArray table = inputs[0];
        long[] ids = TokenEmbedding.ids(inputs[1], table.size(0));
        INDArray dOut = DenseArrays.dense(inputs[2]);
        if (!Arrays.equals(outputs[0].shape(), table.shape()) || outputs[0].dataType() != table.dataType()) {
            throw new IllegalArgumentException(OP_NAME + ": output is " + outputs[0].dataType()
                    + Arrays.toString(outputs[0].shape()) + "; expected " + table.dataType() + Arrays.toString(table.shape()));
        }
        int width = (int) table.size(1);
        MemorySegment from = DenseArrays.segment(dOut);
        DenseArrays.Output out = DenseArrays.output(outputs[0]);
        MemorySegment to = out.segment();
        to.fill((byte) 0);
        boolean isFloat = table.dataType() == DataType.FLOAT;
        for (int i = 0; i < ids.length; i++) {
            long src = (long) i * width;
            long dst = ids[i] * width;
            if (isFloat) {
                for (int k = 0; k < width; k++) {
                    to.setAtIndex(FLOAT, dst + k, to.getAtIndex(FLOAT, dst + k) + from.getAtIndex(FLOAT, src + k));
                }
            } else {
                for (int k = 0; k < width; k++) {
                    to.setAtIndex(DOUBLE, dst + k, to.getAtIndex(DOUBLE, dst + k) + from.getAtIndex(DOUBLE, src + k));
                }
            }
        }
        out.commit();
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradients) {
        throw new UnsupportedOperationException(OP_NAME + " has no gradient (second derivatives are not supported)");
    }
}
