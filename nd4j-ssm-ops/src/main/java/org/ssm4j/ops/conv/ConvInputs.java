package org.ssm4j.ops.conv;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.kernels.CausalConv1dSpec;
import org.ssm4j.ops.OpArrays;

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
     * Validates x, weight, bias and initial state ({@code inputs} may hold more arrays after
     * them) and returns the sizes.
     */
    static CausalConv1dSpec spec(String op, ConvOptions options, List<String> names, INDArray[] inputs) {
        OpArrays.checkTypes(op, names, Arrays.stream(inputs).map(INDArray::dataType).toList());
        OpArrays.SequenceSizes x = OpArrays.sequenceSizes(op, "x", options.layout(), inputs[0].shape());
        long[] weight = inputs[1].shape();
        if (weight.length != 2 || weight[0] != x.channels() || weight[1] < 1) {
            throw new IllegalArgumentException(op + ": input weight has shape " + Arrays.toString(weight)
                    + ", expected [channels, width] = [" + x.channels() + ", width >= 1]");
        }
        long width = weight[1];
        int next = 2;
        if (options.hasBias()) {
            OpArrays.expectShape(op, "bias", inputs[next++], x.channels());
        }
        if (options.hasInitialState()) {
            OpArrays.expectShape(op, "initialState", inputs[next], x.batch(), x.channels(), width - 1);
        }
        return new CausalConv1dSpec((int) x.batch(), (int) x.length(), (int) x.channels(), Math.toIntExact(width),
                options.silu(), options.hasBias(), options.hasInitialState());
    }

    /** The shape x has in the op's layout, for arrays shaped like it (y, dy, dx). */
    static long[] sequenceShape(ConvOptions options, CausalConv1dSpec spec) {
        return options.layout().sequenceShape(spec.batch(), spec.length(), spec.channels());
    }

    /** The conv state's shape (batch, channels, width-1). */
    static long[] stateShape(CausalConv1dSpec spec) {
        return new long[]{spec.batch(), spec.channels(), spec.stateWidth()};
    }
}
