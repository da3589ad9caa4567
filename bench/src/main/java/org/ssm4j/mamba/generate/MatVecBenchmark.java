package org.ssm4j.mamba.generate;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The token step's matrix-vector products: the Vector API kernel the step uses ({@link MatVec}
 * over the step's {@link ParallelRange} threads, float32 and bfloat16 weights) and ND4J's BLAS
 * {@code gemv} (OpenBLAS with its own threads). Each call reads the next of enough weight
 * copies that, as in a real step, the weights come from memory rather than cache. This
 * benchmark lives in the step's package to reach its package-private kernel.
 *
 * <p>Run: {@code java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED
 * -cp <bench classpath> org.openjdk.jmh.Main MatVecBenchmark} (docs/benchmarks.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MatVecBenchmark {

    /** mamba-130m's step matrices, rows x columns: in_proj's x half, out_proj, x_proj, the LM head. */
    @Param({"1536x768", "768x1536", "80x1536", "50280x768"})
    public String shape;

    @Param({"2"})
    public int threads;

    private static final long WEIGHT_BYTES = 640L << 20;

    private FloatTensor[] weights;
    private StepMatrix[] bf16;
    private FloatTensor x;
    private FloatTensor y;
    private int rows;
    private int cols;
    private int next;
    private ParallelRange parallel;

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = shape.split("x");
        rows = Integer.parseInt(parts[0]);
        cols = Integer.parseInt(parts[1]);
        int copies = (int) Math.max(2, WEIGHT_BYTES / ((long) rows * cols * Float.BYTES));
        weights = new FloatTensor[copies];
        for (int i = 0; i < copies; i++) {
            weights[i] = FloatTensor.of(Nd4j.rand(DataType.FLOAT, rows, cols).subi(0.5), rows, cols);
        }
        // bfloat16 copies take half the bytes: twice as many keep as much memory in play.
        bf16 = new StepMatrix[2 * copies];
        for (int i = 0; i < bf16.length; i++) {
            bf16[i] = StepMatrix.of(weights[i % copies], rows, cols, StepPrecision.BFLOAT16);
        }
        x = FloatTensor.of(Nd4j.rand(DataType.FLOAT, cols, 1), cols, 1);
        y = FloatTensor.zeros(rows, 1);
        parallel = new ParallelRange(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        parallel.close();
    }

    private FloatTensor nextWeights() {
        next = next + 1 == weights.length ? 0 : next + 1;
        return weights[next];
    }

    @Benchmark
    public float vectorApi() {
        FloatTensor w = nextWeights();
        parallel.run(rows, 4, (part, r0, r1) -> MatVec.multiply(w.segment, cols, x.segment, cols, y.segment, rows,
                1, r0, r1, false));
        return y.get(rows - 1);
    }

    @Benchmark
    public float vectorApiBfloat16() {
        next = next + 1 == bf16.length ? 0 : next + 1;
        StepMatrix w = bf16[next];
        parallel.run(rows, 4, (part, r0, r1) -> w.multiply(x.segment, cols, y.segment, rows, 1, r0, r1, false));
        return y.get(rows - 1);
    }

    @Benchmark
    public float nd4jGemv() {
        INDArray w = nextWeights().array;
        Nd4j.getBlasWrapper().level2().gemv('c', 'N', 1.0, w, x.array, 0.0, y.array);
        return y.get(rows - 1);
    }
}
