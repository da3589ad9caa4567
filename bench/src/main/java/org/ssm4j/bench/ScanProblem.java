package org.ssm4j.bench;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Random FLOAT inputs of one Mamba-style selective scan, channels-last: u, z and the output
 * gradients unit Gaussian, delta around softplus(-3) ~ 0.05, A = -(1..state) perturbed,
 * B and C (batch, length, state), D and delta_bias per channel.
 */
public record ScanProblem(ScanShape shape, INDArray u, INDArray delta, INDArray a, INDArray b, INDArray c,
                          INDArray d, INDArray z, INDArray deltaBias, INDArray dy, INDArray dLastState) {

    public static ScanProblem random(ScanShape s, long seed) {
        Nd4j.getRandom().setSeed(seed);
        long[] sequence = {s.batch(), s.length(), s.channels()};
        INDArray a = Nd4j.linspace(DataType.FLOAT, 1, s.state(), 1).reshape(1, s.state())
                .repeat(0, s.channels()).muli(Nd4j.rand(DataType.FLOAT, s.channels(), s.state()).addi(0.5)).negi();
        return new ScanProblem(s,
                Nd4j.randn(DataType.FLOAT, sequence),
                Nd4j.randn(DataType.FLOAT, sequence).muli(0.5).subi(3),
                a,
                Nd4j.randn(DataType.FLOAT, s.batch(), s.length(), s.state()),
                Nd4j.randn(DataType.FLOAT, s.batch(), s.length(), s.state()),
                Nd4j.randn(DataType.FLOAT, s.channels()),
                Nd4j.randn(DataType.FLOAT, sequence),
                Nd4j.randn(DataType.FLOAT, s.channels()).muli(0.3),
                Nd4j.randn(DataType.FLOAT, sequence),
                Nd4j.randn(DataType.FLOAT, s.batch(), s.channels(), s.state()));
    }
}
