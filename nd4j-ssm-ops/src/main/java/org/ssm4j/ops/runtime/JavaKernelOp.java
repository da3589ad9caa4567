package org.ssm4j.ops.runtime;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An ND4J custom op whose computation is Java code rather than a libnd4j kernel.
 *
 * <p>ssm4j's op executioner hands every op that implements this interface to
 * {@link #compute}; all other ops go to libnd4j unchanged.
 */
public interface JavaKernelOp {

    /**
     * Computes the op.
     *
     * @param inputs  the op's inputs in declaration order; any may be a strided view
     * @param outputs arrays of the shapes and types the op declared; their contents are
     *                undefined on entry, so every element must be written
     */
    void compute(INDArray[] inputs, INDArray[] outputs);
}
