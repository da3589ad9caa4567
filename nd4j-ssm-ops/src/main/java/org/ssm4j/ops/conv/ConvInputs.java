package org.ssm4j.ops.conv;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.kernels.CausalConv1dSpec;
import org.ssm4j.kernels.ElementType;
import org.ssm4j.ops.Layout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Validates the inputs of the conv ops and derives the kernel's sizes from them. Every
 * failure is an {@link IllegalArgumentException} naming the op, the input, its shape or type
 * and what was expected.
 */
final class ConvInputs {

    private ConvInputs() {
    }

    /** Names of the inputs in order: x, weight, [bias], [initialState], then {@code extra}. */
    static List<String> names(ConvOptions options, String... extra) {
        List<String> names = new ArrayList<>(List.of("x", "weight"));
        if (options.hasBias()) {
            names.add("bias");
        }
        if (options.hasInitialState()) {
            names.add("initialState");
        }
        names.addAll(List.of(extra));
        return names;
    }

    /**
     * Checks the number and types of the inputs: all the same floating-point type.
     *
     * @return that type
     */
    static DataType checkTypes(String op, List<String> names, List<DataType> types) {
        if (types.size() != names.size()) {
            throw new IllegalArgumentException(op + " expects " + names.size() + " inputs " + names + ", got "
                    + types.size());
        }
        DataType type = types.get(0);
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException(op + ": input x has type " + type + ", expected FLOAT or DOUBLE");
        }
        for (int i = 1; i < types.size(); i++) {
            if (types.get(i) != type) {
                throw new IllegalArgumentException(op + ": input " + names.get(i) + " has type " + types.get(i)
                        + ", expected " + type + " (the type of x)");
            }
        }
        return type;
    }

    /**
     * Validates x, weight, bias and initial state ({@code inputs} may hold more arrays after
     * them) and returns the sizes.
     */
    static CausalConv1dSpec spec(String op, ConvOptions options, List<String> names, INDArray[] inputs) {
        checkTypes(op, names, Arrays.stream(inputs).map(INDArray::dataType).toList());
        long[] x = inputs[0].shape();
        String axes = options.layout() == Layout.CHANNELS_LAST ? "(batch, length, channels)" : "(batch, channels, length)";
        if (x.length != 3) {
            throw new IllegalArgumentException(op + ": input x has shape " + Arrays.toString(x) + ", expected rank 3 "
                    + axes + " for layout " + options.layout());
        }
        long batch = x[0];
        long length = options.layout() == Layout.CHANNELS_LAST ? x[1] : x[2];
        long channels = options.layout() == Layout.CHANNELS_LAST ? x[2] : x[1];
        if (batch < 1 || length < 1 || channels < 1 || batch * length * channels > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": input x has shape " + Arrays.toString(x) + ", expected " + axes
                    + " with every size at least 1 and fewer than 2^31 elements");
        }
        long[] weight = inputs[1].shape();
        if (weight.length != 2 || weight[0] != channels || weight[1] < 1) {
            throw new IllegalArgumentException(op + ": input weight has shape " + Arrays.toString(weight)
                    + ", expected [channels, width] = [" + channels + ", width >= 1]");
        }
        long width = weight[1];
        int next = 2;
        if (options.hasBias()) {
            expectShape(op, "bias", inputs[next++], channels);
        }
        if (options.hasInitialState()) {
            expectShape(op, "initialState", inputs[next], batch, channels, width - 1);
        }
        return new CausalConv1dSpec((int) batch, (int) length, (int) channels, Math.toIntExact(width),
                options.silu(), options.hasBias(), options.hasInitialState());
    }

    /** The shape x has in the op's layout, for arrays shaped like it (y, dy, dx). */
    static long[] sequenceShape(ConvOptions options, CausalConv1dSpec spec) {
        return options.layout() == Layout.CHANNELS_LAST
                ? new long[]{spec.batch(), spec.length(), spec.channels()}
                : new long[]{spec.batch(), spec.channels(), spec.length()};
    }

    /** The conv state's shape (batch, channels, width-1). */
    static long[] stateShape(CausalConv1dSpec spec) {
        return new long[]{spec.batch(), spec.channels(), spec.stateWidth()};
    }

    static void expectShape(String op, String name, INDArray array, long... expected) {
        if (!Arrays.equals(array.shape(), expected)) {
            throw new IllegalArgumentException(op + ": " + name + " has shape " + Arrays.toString(array.shape())
                    + ", expected " + Arrays.toString(expected));
        }
    }

    /** Checks that the op got the output arrays it declared. */
    static void expectOutputs(String op, List<String> names, INDArray[] outputs, List<long[]> shapes, DataType type) {
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

    static ElementType elementType(DataType type) {
        return type == DataType.FLOAT ? ElementType.FLOAT32 : ElementType.FLOAT64;
    }

    /** The channels-last view of a sequence array in the op's layout. */
    static INDArray channelsLast(ConvOptions options, INDArray sequence) {
        return options.layout() == Layout.CHANNELS_LAST ? sequence : sequence.permute(0, 2, 1);
    }
}
