package org.ssm4j.bench.jmh;

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
import org.ssm4j.kernels.ElementType;
import org.ssm4j.kernels.ScanBackward;
import org.ssm4j.kernels.ScanForward;
import org.ssm4j.kernels.ScanSpec;
import org.ssm4j.kernels.SelectiveScanKernel;
import org.ssm4j.kernels.cpu.VectorScanKernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The Vector API scan kernel on native buffers (no ND4J), forward and backward, FLOAT,
 * channels-last with D, z, delta_bias and softplus. Shapes are {@code batch x channels x state x length};
 * divide the time per operation by {@code batch * channels * state * length} for ns per element.
 * {@code lengthChunks} 0 lets the kernel choose; a positive value forces the chunked path.
 *
 * <pre>./mamba bench jmh SelectiveScanBenchmark -p shape=1x1536x16x512</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class SelectiveScanBenchmark {

    @Param({"1x1536x16x512", "8x1536x16x2048", "1x1536x16x65536", "1x16x16x65536"})
    public String shape;

    @Param({"0", "8"})
    public int lengthChunks;

    private Arena arena;
    private SelectiveScanKernel kernel;
    private ScanSpec spec;
    private ScanForward forward;
    private ScanBackward backward;

    @Setup(Level.Trial)
    public void setUp() {
        String[] sizes = shape.split("x");
        int batch = Integer.parseInt(sizes[0]);
        int channels = Integer.parseInt(sizes[1]);
        int state = Integer.parseInt(sizes[2]);
        int length = Integer.parseInt(sizes[3]);
        spec = new ScanSpec(batch, length, channels, state, 1, true, true, true, true, false,
                ScanSpec.DEFAULT_CHECKPOINT_INTERVAL);
        kernel = lengthChunks == 0 ? new VectorScanKernel() : VectorScanKernel.withLengthChunks(lengthChunks);
        arena = Arena.ofShared();
        SplittableRandom random = new SplittableRandom(42);
        long bld = (long) batch * length * channels;
        long bln = (long) batch * length * state;
        long bdn = (long) batch * channels * state;
        MemorySegment u = gaussian(bld, 1, 0, random);
        MemorySegment delta = gaussian(bld, 0.5, -3, random);
        MemorySegment a = arena.allocate((long) channels * state * Float.BYTES, 64);
        for (long i = 0; i < (long) channels * state; i++) {
            a.setAtIndex(ValueLayout.JAVA_FLOAT, i, -(1 + i % state) * (float) (0.5 + random.nextDouble()));
        }
        MemorySegment b = gaussian(bln, 1, 0, random);
        MemorySegment c = gaussian(bln, 1, 0, random);
        MemorySegment d = gaussian(channels, 1, 0, random);
        MemorySegment z = gaussian(bld, 1, 0, random);
        MemorySegment bias = gaussian(channels, 0.3, 0, random);
        MemorySegment checkpoints = floats(bdn * spec.checkpoints());
        forward = new ScanForward(ElementType.FLOAT32, u, delta, a, b, c, d, z, bias, null,
                floats(bld), floats(bdn), checkpoints);
        backward = new ScanBackward(ElementType.FLOAT32, u, delta, a, b, c, d, z, bias, null, checkpoints,
                gaussian(bld, 1, 0, random), gaussian(bdn, 1, 0, random),
                floats(bld), floats(bld), floats((long) channels * state), floats(bln), floats(bln),
                floats(channels), floats(bld), floats(channels), null);
        kernel.forward(spec, forward);
    }

    private MemorySegment floats(long count) {
        return arena.allocate(count * Float.BYTES, 64);
    }

    private MemorySegment gaussian(long count, double scale, double mean, SplittableRandom random) {
        MemorySegment s = floats(count);
        for (long i = 0; i < count; i++) {
            // Box-Muller-free approximation: the sum of 4 uniforms, scaled to unit variance.
            double g = (random.nextDouble() + random.nextDouble() + random.nextDouble() + random.nextDouble() - 2)
                    * Math.sqrt(3);
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (mean + scale * g));
        }
        return s;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public MemorySegment forward() {
        kernel.forward(spec, forward);
        return forward.y();
    }

    @Benchmark
    public MemorySegment backward() {
        kernel.backward(spec, backward);
        return backward.du();
    }
}
