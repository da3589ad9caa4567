package org.ssm4j.ops.runtime;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;

/**
 * An ND4J custom op whose computation is Java code rather than a libnd4j kernel.
 *
 * <p>ssm4j's op executioner ({@link SsmOpExecutioner}) hands every op that implements this
 * interface to {@link #compute}, and asks the op itself for its output shapes
 * ({@link CustomOp#calculateOutputShape(org.nd4j.linalg.api.ops.OpContext)}, which must
 * therefore be computed in Java and never be delegated to the executioner); all other ops go
 * to libnd4j unchanged. {@link JavaCustomOp} is the base class that implements the rest of
 * the contract ND4J and SameDiff expect.
 */
public interface JavaKernelOp extends CustomOp {

    /**
     * Computes the op.
     *
     * @param inputs  the op's inputs in declaration order; any may be a strided view
     * @param outputs arrays of the shapes and types the op declared; their contents are
     *                undefined on entry, so every element must be written
     */
    void compute(INDArray[] inputs, INDArray[] outputs);
}
