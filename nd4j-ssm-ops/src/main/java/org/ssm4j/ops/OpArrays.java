package org.ssm4j.ops;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.kernels.ElementType;

import java.util.Arrays;
import java.util.List;

/**
 * The checks the scan and conv ops make on their arrays. Every failure is an
 * {@link IllegalArgumentException} that names the op, the array, its actual shape or type and
 * the expected one.
 */
public final class OpArrays {

    private OpArrays() {
    }

    /**
     * The batch, length and channel sizes of a sequence tensor.
     *
     * @param batch    the batch size, at least 1
     * @param length   the sequence length, at least 1
     * @param channels the number of channels, at least 1
     */
    public record SequenceSizes(long batch, long length, long channels) {
    }

    /**
     * Checks the number and types of an op's inputs: one per name, all FLOAT or all DOUBLE.
     *
     * @param op    the op's name, for messages
     * @param names the names of the inputs the op expects, in order (the first one sets the type)
     * @param types the types of the inputs it got
     * @return the inputs' type
     * @throws IllegalArgumentException if the count differs, the first type is not FLOAT or
     *                                  DOUBLE, or another input has a different type
     */
    public static DataType checkTypes(String op, List<String> names, List<DataType> types) {
        if (types.size() != names.size()) {
            throw new IllegalArgumentException(op + " expects " + names.size() + " inputs " + names + ", got "
                    + types.size() + " (are the optional inputs the op was built with given?)");
        }
        DataType type = types.getFirst();
        String first = names.getFirst();
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException(op + ": input " + first + " has type " + type
                    + ", expected FLOAT or DOUBLE");
        }
        for (int i = 1; i < types.size(); i++) {
            if (types.get(i) != type) {
                throw new IllegalArgumentException(op + ": input " + names.get(i) + " has type " + types.get(i)
                        + ", expected " + type + " (the type of " + first + ")");
            }
        }
        return type;
    }

    /**
     * The sizes of a sequence input: rank 3 in {@code layout}'s axis order, every size at least
     * 1 and fewer than 2^31 elements.
     *
     * @param op     the op's name, for messages
     * @param name   the input's name, for messages
     * @param layout the op's layout
     * @param shape  the input's shape
     * @throws IllegalArgumentException if the shape is not such a shape
     */
    public static SequenceSizes sequenceSizes(String op, String name, Layout layout, long[] shape) {
        if (shape.length != 3) {
            throw new IllegalArgumentException(op + ": input " + name + " has shape " + Arrays.toString(shape)
                    + ", expected rank 3 " + layout.axes() + " for layout " + layout);
        }
        boolean last = layout == Layout.CHANNELS_LAST;
        long batch = shape[0];
        long length = last ? shape[1] : shape[2];
        long channels = last ? shape[2] : shape[1];
        if (batch < 1 || length < 1 || channels < 1 || batch * length * channels > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": input " + name + " has shape " + Arrays.toString(shape)
                    + ", expected " + layout.axes() + " with every size at least 1 and fewer than 2^31 elements");
        }
        return new SequenceSizes(batch, length, channels);
    }

    /**
     * Checks an array's shape.
     *
     * @param op   the op's name, for messages
     * @param name the array's name, for messages
     * @throws IllegalArgumentException if {@code array}'s shape is not {@code expected}
     */
    public static void expectShape(String op, String name, INDArray array, long... expected) {
        if (!Arrays.equals(array.shape(), expected)) {
            throw new IllegalArgumentException(op + ": " + name + " has shape " + Arrays.toString(array.shape())
                    + ", expected " + Arrays.toString(expected));
        }
    }

    /**
     * Checks that an op got the output arrays it declared: one per name, each of its shape and
     * of {@code type}.
     *
     * @param op     the op's name, for messages
     * @param names  the outputs' names, in order
     * @param shapes the outputs' expected shapes, in order
     * @throws IllegalArgumentException if the count, a shape or a type differs
     */
    public static void expectOutputs(String op, List<String> names, INDArray[] outputs, List<long[]> shapes,
                                     DataType type) {
        if (outputs.length != names.size()) {
            throw new IllegalArgumentException(op + " writes " + names.size() + " outputs " + names + ", got "
                    + outputs.length + " output arrays");
        }
        for (int i = 0; i < outputs.length; i++) {
            expectShape(op, "output " + names.get(i), outputs[i], shapes.get(i));
            if (outputs[i].dataType() != type) {
                throw new IllegalArgumentException(op + ": output " + names.get(i) + " has type "
                        + outputs[i].dataType() + ", expected " + type);
            }
        }
    }

    /** The kernels' element type for FLOAT ({@link ElementType#FLOAT32}) or DOUBLE ({@link ElementType#FLOAT64}). */
    public static ElementType elementType(DataType type) {
        return switch (type) {
            case FLOAT -> ElementType.FLOAT32;
            case DOUBLE -> ElementType.FLOAT64;
            default -> throw new IllegalArgumentException("Arrays of type " + type
                    + " have no kernel element type; expected FLOAT or DOUBLE");
        };
    }
}
