package org.ssm4j.mamba;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.mamba.graph.MambaGraph;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Run in a fresh JVM by {@link MambaModelFileFreshJvmTest}. Arguments: model file, token ids
 * file ({@code Nd4j.saveBinary}), output directory. First, with no ssm4j class touched, it
 * loads the archive's graph entry with plain {@code SameDiff.load} and writes its logits
 * ({@code plain-logits.bin}); then it loads the file with {@link MambaLM#load}, writes its
 * logits ({@code logits.bin}), takes one more step of SameDiff training with the saved
 * updater state and writes the embeddings after it ({@code embeddings-after-step.bin}).
 */
public final class SavedModelRunner {

    private SavedModelRunner() {
    }

    public static void main(String[] args) throws IOException {
        Path model = Path.of(args[0]);
        INDArray ids = Nd4j.readBinary(new File(args[1]));
        Path out = Path.of(args[2]);

        Path graph = Files.createTempFile(out, "graph", ".sdz");
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(model))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                if (e.getName().equals("graph.sdz")) {
                    Files.copy(zip, graph, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        SameDiff plain = SameDiff.load(graph.toFile(), false);
        Nd4j.saveBinary(plain.output(Map.of("input_ids", ids), "logits").get("logits"),
                out.resolve("plain-logits.bin").toFile());

        MambaLM lm = MambaLM.load(model);
        Nd4j.saveBinary(lm.logits(ids), out.resolve("logits.bin").toFile());
        lm.sameDiff().fit(new MultiDataSet(new INDArray[]{ids}, new INDArray[]{MambaGraph.nextTokenLabels(ids)}));
        Nd4j.saveBinary(lm.weights().get(MambaParameters.EMBEDDINGS), out.resolve("embeddings-after-step.bin").toFile());
    }
}
