package org.ssm4j.ops.runtime;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;

import java.util.List;
import java.util.Map;

/**
 * Base class of ssm4j's ops: a {@link DynamicCustomOp} computed by Java code
 * ({@link JavaKernelOp}), with the parts of the op contract that ND4J would otherwise answer
 * from libnd4j's op descriptors answered in Java.
 *
 * <p>A subclass keeps its whole configuration in the op's integer and floating-point
 * arguments ({@link #iArgs()}, {@link #tArgs()}), which SameDiff copies when it copies a graph
 * and writes when it saves one; {@link #propertiesForFunction()} is therefore empty. Every constructor
 * makes sure the ssm4j runtime is installed ({@link SsmRuntime#ensureInstalled()}). A
 * subclass needs a public no-argument constructor (SameDiff creates ops by class when it
 * loads a graph) and an entry in {@link SsmOpRegistry}.
 */
public abstract class JavaCustomOp extends DynamicCustomOp implements JavaKernelOp {

    /** For SameDiff's deserialisation: the arguments are added afterwards. */
    protected JavaCustomOp() {
        SsmRuntime.ensureInstalled();
    }

    /** An op in a SameDiff graph, with the given inputs. */
    protected JavaCustomOp(SameDiff sameDiff, SDVariable[] inputs) {
        super(sameDiff, inputs);
        SsmRuntime.ensureInstalled();
    }

    /** An op for eager execution on arrays; {@code outputs} may be null to have them allocated. */
    protected JavaCustomOp(INDArray[] inputs, INDArray[] outputs) {
        super(inputs, outputs);
        SsmRuntime.ensureInstalled();
    }

    @Override
    public abstract String opName();

    @Override
    public abstract int getNumOutputs();

    /**
     * The shapes and types of the outputs for the given inputs, validating them.
     *
     * @param inputs the op's inputs in declaration order
     * @throws IllegalArgumentException if an input has the wrong rank, shape or type
     */
    protected abstract List<LongShapeDescriptor> outputShapes(INDArray[] inputs);

    @Override
    public final List<LongShapeDescriptor> calculateOutputShape() {
        return calculateOutputShape(null);
    }

    @Override
    public final List<LongShapeDescriptor> calculateOutputShape(OpContext context) {
        List<INDArray> inputs = context != null && !context.getInputArrays().isEmpty()
                ? context.getInputArrays() : inputArguments();
        return outputShapes(inputs.toArray(new INDArray[0]));
    }

    /** Empty: the configuration lives in the op's arguments, which SameDiff saves. */
    @Override
    public Map<String, Object> propertiesForFunction() {
        return Map.of();
    }

    /** Ignored: the configuration is restored from the op's arguments. */
    @Override
    public void setPropertiesForFunction(Map<String, Object> properties) {
    }

    /** A dense row-major shape descriptor ({@code shape} may contain zeros: an empty array). */
    protected static LongShapeDescriptor denseShape(DataType type, long... shape) {
        long elements = 1;
        for (long size : shape) {
            elements *= size;
        }
        long[] strides = new long[shape.length];
        long stride = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = stride;
            stride *= Math.max(shape[i], 1);
        }
        return LongShapeDescriptor.fromShape(shape, strides, 1, 'c', type, elements == 0);
    }
}
