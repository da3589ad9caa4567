package org.ssm4j.mamba;

import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.ssm4j.mamba.graph.MambaGraph;
import org.ssm4j.safetensors.SafetensorsFile;
import org.ssm4j.testing.SharedData;

/**
 * The tiny Mamba fixture's reference tensors ({@code reference.safetensors}, made by Hugging
 * Face transformers in float64), and the relative error the tests compare with.
 */
public final class MambaReference implements AutoCloseable {

    private final SafetensorsFile file;

    private MambaReference(SafetensorsFile file) {
        this.file = file;
    }

    /** Opens the tiny model's reference file. */
    public static MambaReference tiny() {
        return new MambaReference(SafetensorsFile.open(SharedData.mambaTiny().resolve("reference.safetensors")));
    }

    /** A floating-point reference tensor as DOUBLE. */
    public INDArray get(String name) {
        return Nd4j.create(file.readDoubles(name), file.info(name).shape(), 'c');
    }

    /** An integer reference tensor as INT64. */
    public INDArray ids(String name) {
        return Nd4j.create(file.readLongs(name), file.info(name).shape(), DataType.INT64);
    }

    /** True if the reference holds this tensor. */
    public boolean contains(String name) {
        return file.contains(name);
    }

    /**
     * Makes {@code lm} trainable with SameDiff's {@code fit} (Adam, learning rate 1e-3) and
     * returns the reference's {@code input_ids} with their next-token labels as a batch for it.
     */
    public static MultiDataSet adamTrainingBatch(MambaLM lm) {
        INDArray ids;
        try (MambaReference ref = tiny()) {
            ids = ref.ids("input_ids");
        }
        lm.sameDiff().setTrainingConfig(TrainingConfig.builder().updater(new Adam(1e-3))
                .dataSetFeatureMapping(MambaGraph.INPUT_IDS).dataSetLabelMapping(MambaGraph.LABELS).build());
        return new MultiDataSet(new INDArray[]{ids}, new INDArray[]{MambaGraph.nextTokenLabels(ids)});
    }

    /** {@code ||actual - expected|| / ||expected||}, computed in double. */
    public static double relativeError(INDArray actual, INDArray expected) {
        INDArray a = actual.castTo(DataType.DOUBLE).reshape(expected.shape());
        return a.sub(expected).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
    }

    @Override
    public void close() {
        file.close();
    }
}
