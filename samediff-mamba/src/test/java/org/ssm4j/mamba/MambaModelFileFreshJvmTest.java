package org.ssm4j.mamba;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.testing.FreshJvm;
import org.ssm4j.testing.SharedData;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A saved model loads in a new JVM with nothing but the library on the class path, and trains on (about 25 s: slow). */
@Tag("slow")
class MambaModelFileFreshJvmTest {

    @Test
    void loadsAndTrainsOnInAFreshJvm(@TempDir Path dir) throws IOException {
        MambaLM lm = MambaLM.load(SharedData.mambaTiny());
        MultiDataSet batch = MambaReference.adamTrainingBatch(lm);
        INDArray ids = batch.getFeatures(0);
        lm.sameDiff().fit(batch);
        Path model = dir.resolve("model.zip");
        lm.save(model, true);
        Nd4j.saveBinary(ids, dir.resolve("ids.bin").toFile());

        FreshJvm.run(FreshJvm.currentFlags(), SavedModelRunner.class, dir.resolve("child.log"), model.toString(),
                dir.resolve("ids.bin").toString(), dir.toString());

        INDArray logits = lm.logits(ids).castTo(DataType.DOUBLE);
        for (String file : new String[]{"plain-logits.bin", "logits.bin"}) {
            double err = MambaReference.relativeError(Nd4j.readBinary(dir.resolve(file).toFile()), logits);
            assertTrue(err < 1e-6, file + " relative error " + err);
        }
        lm.sameDiff().fit(batch);
        INDArray expected = lm.weights().get(MambaParameters.EMBEDDINGS).castTo(DataType.DOUBLE);
        double err = MambaReference.relativeError(Nd4j.readBinary(dir.resolve("embeddings-after-step.bin").toFile()),
                expected);
        assertTrue(err < 1e-6, "embeddings after one more Adam step in the child: relative error " + err);
    }
}
