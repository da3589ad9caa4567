package org.ssm4j.ops.scan;

import org.jspecify.annotations.Nullable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.ops.runtime.DenseArrays;

import java.lang.foreign.MemorySegment;

/**
 * The forward inputs as the kernels read them: dense channels-last arrays. An input that is
 * already dense and channels-last is used in place; a strided view or a channels-first array
 * is copied once (one read and one write of each element). The record keeps the copies
 * reachable: a kernel must only use the segments while it is.
 */
record DenseInputs(INDArray u, INDArray delta, INDArray a, INDArray b, INDArray c, @Nullable INDArray d,
                   @Nullable INDArray z, @Nullable INDArray deltaBias, @Nullable INDArray initialState) {

    /** Converts the forward inputs (the first {@code options.forwardInputs()} of {@code inputs}); rejects NaN in A. */
    static DenseInputs of(String op, ScanOptions options, INDArray[] inputs) {
        int next = 5;
        INDArray d = options.hasD() ? DenseArrays.dense(inputs[next++]) : null;
        INDArray z = options.hasZ() ? DenseArrays.dense(options.layout().channelsLastView(inputs[next++])) : null;
        INDArray bias = options.hasDeltaBias() ? DenseArrays.dense(inputs[next++]) : null;
        INDArray h0 = options.hasInitialState() ? DenseArrays.dense(inputs[next]) : null;
        INDArray a = DenseArrays.dense(inputs[2]);
        ScanInputs.requireNoNaN(op, "A", a, DenseArrays.segment(a));
        return new DenseInputs(
                DenseArrays.dense(options.layout().channelsLastView(inputs[0])),
                DenseArrays.dense(options.layout().channelsLastView(inputs[1])),
                a,
                DenseArrays.dense(ScanInputs.groupsChannelsLast(options, inputs[3])),
                DenseArrays.dense(ScanInputs.groupsChannelsLast(options, inputs[4])),
                d, z, bias, h0);
    }

    /** The native memory of one of this record's arrays, or null for an absent one. */
    static @Nullable MemorySegment segment(@Nullable INDArray dense) {
        return dense == null ? null : DenseArrays.segment(dense);
    }
}
