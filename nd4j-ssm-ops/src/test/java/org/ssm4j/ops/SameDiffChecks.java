package org.ssm4j.ops;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.testing.FreshJvm;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Checks that the ops' SameDiff tests share, on graphs with the placeholder {@code x}, the
 * op's outputs {@code y} and {@code y:1}, a scalar {@code loss} and a variable {@code w}.
 */
public final class SameDiffChecks {

    private SameDiffChecks() {
    }

    /**
     * {@code output()} of y from 4 threads at once, 20 times each, on {@code shared} and on a
     * graph of each thread's own: every result equals {@code expected}.
     */
    public static void assertSameOutputsFromSeveralThreads(SameDiff shared, Supplier<SameDiff> newGraph, INDArray x,
                                                           INDArray expected) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int thread = 0; thread < 4; thread++) {
                SameDiff own = newGraph.get();
                for (SameDiff sd : List.of(shared, own)) {
                    runs.add(pool.submit(() -> {
                        for (int i = 0; i < 20; i++) {
                            assertEquals(expected, sd.output(Map.of("x", x), "y").get("y"));
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> run : runs) {
                run.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Saves {@code sd} with {@code save(file, true)}, loads it in a fresh JVM that touches no
     * ssm4j class before {@code SameDiff.load} ({@link SavedGraphRunner}), and checks that y,
     * y:1, the loss and the gradient of w come out identical there.
     */
    public static void assertLoadsInAFreshJvm(Path directory, SameDiff sd, INDArray x) throws Exception {
        File graphFile = directory.resolve("graph.sd").toFile();
        File inputFile = directory.resolve("x.bin").toFile();
        sd.save(graphFile, true);
        Nd4j.saveBinary(x, inputFile);

        FreshJvm.run(FreshJvm.currentFlags(), SavedGraphRunner.class, directory.resolve("child.log"),
                graphFile.getPath(), inputFile.getPath(), directory.toString(), "y", "y:1", "loss");

        Map<String, INDArray> expected = sd.output(Map.of("x", x), "y", "y:1", "loss");
        for (String name : List.of("y", "y:1", "loss")) {
            INDArray loaded = Nd4j.readBinary(directory.resolve(SavedGraphRunner.fileName(name)).toFile());
            assertEquals(expected.get(name), loaded, name + " after loading in a fresh JVM");
        }
        INDArray gradient = sd.calculateGradients(Map.of("x", x), "w").get("w");
        assertEquals(gradient, Nd4j.readBinary(directory.resolve("grad_w.bin").toFile()), "gradient of w");
    }
}
