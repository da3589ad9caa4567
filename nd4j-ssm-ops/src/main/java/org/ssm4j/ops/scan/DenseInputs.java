package org.ssm4j.ops.scan;

import org.jspecify.annotations.Nullable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.ops.runtime.DenseArrays;
import org.ssm4j.ops.runtime.DeviceArrays;

import java.lang.foreign.MemorySegment;

/**
 * The forward inputs as the kernels read them: dense channels-last arrays. An input that is
 * already dense and channels-last is used in place; a strided view or a channels-first array
 * is copied once (one read and one write of each element). For device kernels an input must
 * also start at its buffer's first element. The record keeps the copies reachable: a kernel
 * must only use the segments or device addresses while it is.
 */
record DenseInputs(INDArray u, INDArray delta, INDArray a, INDArray b, INDArray c, @Nullable INDArray d,
                   @Nullable INDArray z, @Nullable INDArray deltaBias, @Nullable INDArray initialState) {

    /**
     * Converts the forward inputs (the first {@code options.forwardInputs()} of {@code inputs})
     * for kernels that reach them by {@code access}; rejects NaN in A.
     */
    static DenseInputs of(String op, ScanOptions options, INDArray[] inputs, DenseArrays.Access access) {
        int next = 5;
        INDArray d = options.hasD() ? access.dense(inputs[next++]) : null;
        INDArray z = options.hasZ() ? access.dense(options.layout().channelsLastView(inputs[next++])) : null;
        INDArray bias = options.hasDeltaBias() ? access.dense(inputs[next++]) : null;
        INDArray h0 = options.hasInitialState() ? access.dense(inputs[next]) : null;
        INDArray a = access.dense(inputs[2]);
        ScanInputs.requireNoNaN(op, "A", a, DenseArrays.segment(a));
        return new DenseInputs(
                access.dense(options.layout().channelsLastView(inputs[0])),
                access.dense(options.layout().channelsLastView(inputs[1])),
                a,
                access.dense(ScanInputs.groupsChannelsLast(options, inputs[3])),
                access.dense(ScanInputs.groupsChannelsLast(options, inputs[4])),
                d, z, bias, h0);
    }

    /** The native memory of one of this record's arrays, or null for an absent one. */
    static @Nullable MemorySegment segment(@Nullable INDArray dense) {
        return dense == null ? null : DenseArrays.segment(dense);
    }

    /** The device address of one of this record's arrays (made current for reading), or 0 for an absent one. */
    static long input(DeviceArrays device, @Nullable INDArray dense) {
        return dense == null ? 0 : device.input(dense);
    }

    /** The device address of an output's buffer, or 0 for an absent one. */
    static long output(DeviceArrays device, DenseArrays.@Nullable Output output) {
        return output == null ? 0 : device.output(output.array());
    }
}
