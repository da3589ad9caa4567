package org.ssm4j.ops.embedding;

import org.jspecify.annotations.Nullable;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.ops.runtime.DenseArrays;
import org.ssm4j.ops.runtime.SingleOutputOp;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code token_embedding} op: {@code out[..., :] = table[ids[...], :]}, a row lookup whose
 * gradient ({@link TokenEmbeddingBp}) adds the output gradients of repeated ids together.
 *
 * <p>SameDiff's own {@code gather} computes the same forward pass, but its backward pass
 * fails when an id occurs more than once, which every language-model batch does.
 *
 * <p>Inputs: {@code table} (rows, width), FLOAT or DOUBLE; {@code ids}, any integer type and
 * shape, each in {@code [0, rows)}. Output: {@code ids.shape + [width]}, the table's type.
 */
public final class TokenEmbedding extends SingleOutputOp {

    /** The op's name in SameDiff graphs. */
    public static final String OP_NAME = "token_embedding";

    /** For SameDiff's deserialisation. */
    public TokenEmbedding() {
    }

    private TokenEmbedding(SameDiff sameDiff, SDVariable table, SDVariable ids) {
        super(sameDiff, new SDVariable[]{table, ids});
    }

    private TokenEmbedding(INDArray table, INDArray ids) {
        super(new INDArray[]{table, ids}, null);
    }

    /**
     * Adds a lookup of {@code ids} in {@code table} to a graph.
     *
     * @param name the output's name, or null for a generated one
     */
    public static SDVariable lookup(SameDiff sameDiff, @Nullable String name, SDVariable table, SDVariable ids) {
        TokenEmbedding op = new TokenEmbedding(sameDiff, table, ids);
        return name == null ? op.outputVariable() : op.outputVariables(name)[0];
    }

    /**
     * Looks up {@code ids} in {@code table} eagerly.
     *
     * @throws IllegalArgumentException if an id is outside the table or a type is wrong
     */
    public static INDArray lookup(INDArray table, INDArray ids) {
        return Nd4j.exec(new TokenEmbedding(table, ids))[0];
    }

    @Override
    public String opName() {
        return OP_NAME;
    }

    @Override
    public List<DataType> calculateOutputDataTypes(List<DataType> inputTypes) {
        checkTypes(OP_NAME, inputTypes.get(0), inputTypes.get(1));
        return List.of(inputTypes.get(0));
    }

    @Override
    protected List<LongShapeDescriptor> outputShapes(INDArray[] inputs) {
        checkInputs(OP_NAME, inputs[0], inputs[1]);
        return List.of(denseShape(inputs[0].dataType(), outputShape(inputs[0], inputs[1])));
    }

    @Override
    public void compute(INDArray[] inputs, INDArray[] outputs) {
        INDArray table = DenseArrays.dense(inputs[0]);
        checkInputs(OP_NAME, table, inputs[1]);
        long[] ids = ids(inputs[1], table.size(0));
        long[] expected = outputShape(table, inputs[1]);
        if (!Arrays.equals(outputs[0].shape(), expected) || outputs[0].dataType() != table.dataType()) {
            throw new IllegalArgumentException(OP_NAME + ": output is " + outputs[0].dataType()
                    + Arrays.toString(outputs[0].shape()) + "; expected " + table.dataType() + Arrays.toString(expected));
        }
        long rowBytes = table.size(1) * table.dataType().width();
        MemorySegment from = DenseArrays.segment(table);
        DenseArrays.Output out = DenseArrays.output(outputs[0]);
        MemorySegment to = out.segment();
        for (int i = 0; i < ids.length; i++) {
            MemorySegment.copy(from, ids[i] * rowBytes, to, i * rowBytes, rowBytes);
        }
        out.commit();
    }

    /** The gradient of the table: the output gradients added up per id; ids get none (zeros). */
    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradients) {
        SDVariable dTable = new TokenEmbeddingBp(sameDiff, arg(0), arg(1), gradients.get(0)).outputVariable();
        return List.of(dTable, sameDiff.zerosLike(arg(1)));
    }

    static long[] outputShape(INDArray table, INDArray ids) {
        long[] shape = Arrays.copyOf(ids.shape(), ids.rank() + 1);
        shape[ids.rank()] = table.size(1);
        return shape;
    }

    static void checkTypes(String op, DataType table, DataType ids) {
        if (table != DataType.FLOAT && table != DataType.DOUBLE) {
            throw new IllegalArgumentException(op + ": table is " + table + "; expected FLOAT or DOUBLE");
        }
        if (!ids.isIntType()) {
            throw new IllegalArgumentException(op + ": ids are " + ids + "; expected an integer type (INT64, INT32, ...)");
        }
    }

    static void checkInputs(String op, INDArray table, INDArray ids) {
        checkTypes(op, table.dataType(), ids.dataType());
        if (table.rank() != 2) {
            throw new IllegalArgumentException(op + ": table has shape " + Arrays.toString(table.shape())
                    + "; expected (rows, width)");
        }
    }

    /** The ids in row-major order, each checked to lie in {@code [0, rows)}. */
    static long[] ids(INDArray ids, long rows) {
        long[] values = ids.dup('c').data().asLong();
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0 || values[i] >= rows) {
                throw new IllegalArgumentException(OP_NAME + ": id " + values[i] + " at flat position " + i
                        + " of ids " + Arrays.toString(ids.shape()) + " is outside the table's rows [0, " + rows + ")");
            }
        }
        return values;
    }
}
