package org.ssm4j.ops.scan;

import org.jspecify.annotations.Nullable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.kernels.ScanCase;
import org.ssm4j.kernels.ScanResult;
import org.ssm4j.kernels.ScanSpec;
import org.ssm4j.ops.Layout;
import org.ssm4j.ops.runtime.DeviceKernelOp;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link ScanCase} as the op's ND4J arrays in one layout and type, and the op's outputs
 * turned back into the kernels' channels-last doubles.
 *
 * @param groupedRank4 pass B and C as (batch, length, groups, state) even with one group
 */
record ScanArrays(ScanCase sc, DataType type, Layout layout, boolean groupedRank4) {

    ScanArrays(ScanCase sc, DataType type, Layout layout) {
        this(sc, type, layout, sc.spec().groups() > 1);
    }

    ScanSpec spec() {
        return sc.spec();
    }

    SelectiveScanConfig config() {
        return new SelectiveScanConfig(layout, spec().deltaSoftplus(), spec().checkpointInterval());
    }

    ScanOptions options() {
        ScanSpec s = spec();
        return ScanOptions.of(config(), s.hasD(), s.hasZ(), s.hasDeltaBias(), s.hasInitialState());
    }

    /** A (batch, length, channels) sequence in the layout. */
    INDArray sequence(double[] channelsLast) {
        ScanSpec s = spec();
        INDArray cl = Nd4j.create(channelsLast, new long[]{s.batch(), s.length(), s.channels()}, 'c').castTo(type);
        return layout == Layout.CHANNELS_LAST ? cl : cl.permute(0, 2, 1).dup('c');
    }

    /** B, C or their gradients, from (batch, length, groups, state), in the layout and rank. */
    INDArray groups(double[] channelsLast) {
        ScanSpec s = spec();
        INDArray cl = Nd4j.create(channelsLast, new long[]{s.batch(), s.length(), s.groups(), s.state()}, 'c').castTo(type);
        if (layout == Layout.CHANNELS_FIRST) {
            cl = cl.permute(0, 2, 3, 1).dup('c');
        }
        return groupedRank4 ? cl : cl.reshape(layout == Layout.CHANNELS_LAST
                ? new long[]{s.batch(), s.length(), s.state()} : new long[]{s.batch(), s.state(), s.length()});
    }

    INDArray array(double[] values, long... shape) {
        return Nd4j.create(values, shape, 'c').castTo(type);
    }

    @Nullable INDArray optional(double @Nullable [] values, long... shape) {
        return values == null ? null : array(values, shape);
    }

    INDArray stateShaped(double[] values) {
        return array(values, spec().batch(), spec().channels(), spec().state());
    }

    /** The forward inputs in the op's order, optional ones only when present. */
    INDArray[] forwardInputs() {
        ScanSpec s = spec();
        List<INDArray> inputs = new ArrayList<>(List.of(sequence(sc.u()), sequence(sc.delta()),
                array(sc.a(), s.channels(), s.state()), groups(sc.b()), groups(sc.c())));
        if (s.hasD()) {
            inputs.add(array(sc.d(), s.channels()));
        }
        if (s.hasZ()) {
            inputs.add(sequence(sc.z()));
        }
        if (s.hasDeltaBias()) {
            inputs.add(array(sc.deltaBias(), s.channels()));
        }
        if (s.hasInitialState()) {
            inputs.add(stateShaped(sc.initialState()));
        }
        return inputs.toArray(INDArray[]::new);
    }

    /** The forward op on these inputs. */
    SelectiveScan forwardOp(INDArray[] inputs) {
        ScanSpec s = spec();
        int next = 5;
        INDArray d = s.hasD() ? inputs[next++] : null;
        INDArray z = s.hasZ() ? inputs[next++] : null;
        INDArray bias = s.hasDeltaBias() ? inputs[next++] : null;
        INDArray h0 = s.hasInitialState() ? inputs[next] : null;
        return new SelectiveScan(inputs[0], inputs[1], inputs[2], inputs[3], inputs[4], d, z, bias, h0, config());
    }

    /** How a test computes an op on its arrays. */
    interface Compute {
        void run(DeviceKernelOp op, INDArray[] inputs, INDArray[] outputs);
    }

    /**
     * Runs the forward op and then the backward op by calling their {@code compute} directly on
     * output arrays filled with NaN, and returns everything channels-last.
     */
    ScanResult run(INDArray[] inputs) {
        return run(inputs, DeviceKernelOp::compute);
    }

    /** As {@link #run(INDArray[])}, computing both ops with {@code compute}. */
    ScanResult run(INDArray[] inputs, Compute compute) {
        SelectiveScan forward = forwardOp(inputs);
        INDArray[] outputs = nanArrays(forward.calculateOutputShape().stream().map(d -> d.getShape()).toList());
        compute.run(forward, inputs, outputs);
        List<INDArray> bpInputs = new ArrayList<>(List.of(inputs));
        bpInputs.add(outputs[2]);
        bpInputs.add(sequence(sc.dy()));
        bpInputs.add(sc.dLastState() == null ? outputs[1].like().assign(0) : stateShaped(sc.dLastState()));
        INDArray[] bpIn = bpInputs.toArray(INDArray[]::new);
        SelectiveScanBp backward = new SelectiveScanBp(bpIn, options());
        INDArray[] gradients = nanArrays(backward.calculateOutputShape().stream().map(d -> d.getShape()).toList());
        compute.run(backward, bpIn, gradients);
        ScanSpec s = spec();
        int next = 5;
        double[] dD = s.hasD() ? doubles(gradients[next++]) : null;
        double[] dZ = s.hasZ() ? channelsLast(gradients[next++]) : null;
        double[] dBias = s.hasDeltaBias() ? doubles(gradients[next++]) : null;
        double[] dH0 = s.hasInitialState() ? doubles(gradients[next]) : null;
        return new ScanResult(channelsLast(outputs[0]), doubles(outputs[1]), doubles(outputs[2]),
                channelsLast(gradients[0]), channelsLast(gradients[1]), doubles(gradients[2]),
                groupsChannelsLast(gradients[3]), groupsChannelsLast(gradients[4]), dD, dZ, dBias, dH0);
    }

    private INDArray[] nanArrays(List<long[]> shapes) {
        return shapes.stream().map(shape -> Nd4j.valueArrayOf(shape, Double.NaN, type)).toArray(INDArray[]::new);
    }

    static double[] doubles(INDArray array) {
        return array.dup('c').castTo(DataType.DOUBLE).data().asDouble();
    }

    /** A sequence array of the layout as (batch, length, channels) doubles. */
    double[] channelsLast(INDArray sequence) {
        return doubles(layout == Layout.CHANNELS_LAST ? sequence : sequence.permute(0, 2, 1));
    }

    /** B-shaped array of the layout and rank as (batch, length, groups, state) doubles. */
    double[] groupsChannelsLast(INDArray groups) {
        if (layout == Layout.CHANNELS_LAST) {
            return doubles(groups);
        }
        return doubles(groups.rank() == 3 ? groups.permute(0, 2, 1) : groups.permute(0, 3, 1, 2));
    }
}
