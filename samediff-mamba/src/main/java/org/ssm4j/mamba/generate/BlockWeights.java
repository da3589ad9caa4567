package org.ssm4j.mamba.generate;

import org.jspecify.annotations.Nullable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.ssm4j.mamba.MambaConfig;
import org.ssm4j.mamba.MambaParameters;
import org.ssm4j.mamba.MambaWeights;

/**
 * One Mamba block's weights laid out for inference: dense float32 (sharing the source
 * arrays' memory when they already are), in_proj as its x and z halves, the convolution
 * weight as (channels, width), and {@code A = -exp(A_log)} computed once. Optional biases are
 * null when the config has none.
 */
record BlockWeights(FloatTensor norm, FloatTensor inX, FloatTensor inZ,
                    @Nullable FloatTensor inBiasX, @Nullable FloatTensor inBiasZ,
                    FloatTensor conv, @Nullable FloatTensor convBias,
                    FloatTensor xProj, FloatTensor dtProj, FloatTensor dtBias,
                    FloatTensor a, FloatTensor d, FloatTensor outProj, @Nullable FloatTensor outBias) {

    static BlockWeights of(MambaWeights weights, int index) {
        MambaConfig c = weights.config();
        MambaParameters.Layer names = MambaParameters.layer(index);
        long model = c.hiddenSize();
        long channels = c.intermediateSize();
        long width = c.convKernel();
        INDArray inProj = weights.get(names.inProjWeight());
        INDArray conv = weights.get(names.convWeight());
        INDArray inBias = c.useBias() ? weights.get(names.inProjBias()) : null;
        return new BlockWeights(
                FloatTensor.of(weights.get(names.norm()), model),
                FloatTensor.of(inProj.get(NDArrayIndex.interval(0, channels), NDArrayIndex.all()), channels, model),
                FloatTensor.of(inProj.get(NDArrayIndex.interval(channels, 2 * channels), NDArrayIndex.all()), channels, model),
                inBias == null ? null : FloatTensor.of(inBias.get(NDArrayIndex.interval(0, channels)), channels),
                inBias == null ? null : FloatTensor.of(inBias.get(NDArrayIndex.interval(channels, 2 * channels)), channels),
                FloatTensor.of(conv, channels, width),
                c.useConvBias() ? FloatTensor.of(weights.get(names.convBias()), channels) : null,
                FloatTensor.of(weights.get(names.xProjWeight()), c.xProjSize(), channels),
                FloatTensor.of(weights.get(names.dtProjWeight()), channels, c.timeStepRank()),
                FloatTensor.of(weights.get(names.dtProjBias()), channels),
                FloatTensor.of(Transforms.exp(weights.get(names.aLog()).castTo(DataType.FLOAT), true).negi(),
                        channels, c.stateSize()),
                FloatTensor.of(weights.get(names.d()), channels),
                FloatTensor.of(weights.get(names.outProjWeight()), model, channels),
                c.useBias() ? FloatTensor.of(weights.get(names.outProjBias()), model) : null);
    }
}
