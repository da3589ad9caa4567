package org.ssm4j.ops;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.io.IOException;
import java.util.Map;

/**
 * Run in a fresh JVM by {@link SameDiffChecks#assertLoadsInAFreshJvm}: loads a saved graph with plain
 * {@code SameDiff.load} (no ssm4j class is touched first), runs it and its gradients, and
 * writes the arrays. Arguments: graph file, input file (placeholder "x"), output directory,
 * then the names of the variables to write.
 */
public final class SavedGraphRunner {

    private SavedGraphRunner() {
    }

    public static void main(String[] args) throws IOException {
        SameDiff sd = SameDiff.load(new File(args[0]), true);
        INDArray x = Nd4j.readBinary(new File(args[1]));
        File outputDirectory = new File(args[2]);
        String[] names = java.util.Arrays.copyOfRange(args, 3, args.length);
        Map<String, INDArray> outputs = sd.output(Map.of("x", x), names);
        for (String name : names) {
            Nd4j.saveBinary(outputs.get(name), new File(outputDirectory, fileName(name)));
        }
        Map<String, INDArray> gradients = sd.calculateGradients(Map.of("x", x), "w");
        Nd4j.saveBinary(gradients.get("w"), new File(outputDirectory, "grad_w.bin"));
    }

    public static String fileName(String variable) {
        return variable.replace(':', '_') + ".bin";
    }
}
