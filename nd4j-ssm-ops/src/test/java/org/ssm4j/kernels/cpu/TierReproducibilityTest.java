package org.ssm4j.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedObject;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ssm4j.kernels.CausalConv1dSpec;
import org.ssm4j.kernels.ElementType;
import org.ssm4j.kernels.ScanCase;
import org.ssm4j.kernels.ScanResult;
import org.ssm4j.kernels.ScanRunner;
import org.ssm4j.kernels.ScanSpec;
import org.ssm4j.testing.FreshJvm;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The CPU kernels give the same bits in every execution tier. A child JVM started with
 * {@code -Xint} (everything interpreted, so the Vector API runs its Java fallbacks lane by
 * lane) computes something; this JVM computes it again and again, comparing every time, until
 * C2 has compiled the code (to SIMD instructions), which JFR's compilation and inlining events
 * show.
 */
class TierReproducibilityTest {

    /** Two threads in both JVMs, so that both plan the scans alike. */
    private static final ForkJoinPool THREADS = ScanThreads.newPool(2);
    private static final String KERNEL_PACKAGE = "org.ssm4j.kernels.cpu.";
    private static final Duration COMPILE_TIMEOUT = Duration.ofMinutes(2);
    private static final int MATH_INPUTS = 4096;

    /** {@link VectorMath}'s functions on special and random inputs. */
    @Test
    void vectorMathGivesTheSameBitsInEveryTier(@TempDir Path directory) {
        assertSameBitsAsInterpreted(directory, Computation.MATH, Set.of("TierReproducibilityTest::evaluate"));
    }

    /** The scan and the conv1d, forward and backward: see {@link #kernels()}. */
    @Test
    @Tag("slow")
    void kernelsGiveTheSameBitsInEveryTier(@TempDir Path directory) {
        // The methods that call VectorMath (and exp itself): the last comparison waits until C2 has compiled them all.
        assertSameBitsAsInterpreted(directory, Computation.KERNELS, Set.of(
                "VectorBlockArithmetic$Inputs::deltaPrimes",
                "VectorBlockArithmetic$Inputs::decays",
                "VectorBlockArithmetic$Inputs::gateSigmoids",
                "VectorBlockArithmetic$Backward$Worker::backward",
                "VectorMath::softplusInPlace",
                "VectorMath::sigmoidInPlace",
                "VectorMath::exp",
                "CausalConv1dVector::forward",
                "CausalConv1dVector::activationGradients"));
    }

    /** What the child JVM computes (named by its first argument), and what runs that code often, to reach C2 soon. */
    enum Computation {
        MATH(TierReproducibilityTest::math, TierReproducibilityTest::math),
        KERNELS(TierReproducibilityTest::kernels, TierReproducibilityTest::heatKernels);

        final Supplier<Map<String, double[]>> compute;
        final Runnable heat;

        Computation(Supplier<Map<String, double[]>> compute, Runnable heat) {
            this.compute = compute;
            this.heat = heat;
        }
    }

    /** Run with {@code -Xint} by the tests: arguments: a {@link Computation}, the file for its results. */
    public static final class Interpreted {
        public static void main(String[] args) {
            write(Computation.valueOf(args[0]).compute.get(), Path.of(args[1]));
        }
    }

    /**
     * Computes {@code computation} in a child JVM with {@code -Xint}, then here until JFR has
     * reported that C2 compiled every method of {@code compiledMethods} ({@code Class::method},
     * the class relative to this package), on its own or inlined into a method it compiled,
     * and once more, comparing every result bit for bit, so that the tiers in between (C1,
     * on-stack replacement) are checked too.
     */
    private static void assertSameBitsAsInterpreted(Path directory, Computation computation, Set<String> compiledMethods) {
        Path results = directory.resolve("interpreted.bin");
        List<String> flags = Stream.concat(FreshJvm.currentFlags().stream(), Stream.of("-Xint")).toList();
        FreshJvm.run(flags, Interpreted.class, directory.resolve("child.log"), computation.name(), results.toString());
        Map<String, double[]> interpreted = read(results);
        C2Compilations compiled = new C2Compilations();
        try (RecordingStream jit = new RecordingStream()) {
            jit.enable("jdk.Compilation").withThreshold(Duration.ZERO);
            jit.enable("jdk.CompilerInlining");
            jit.onEvent("jdk.Compilation", compiled::compilation);
            jit.onEvent("jdk.CompilerInlining", compiled::inlining);
            jit.startAsync();
            long deadline = System.nanoTime() + COMPILE_TIMEOUT.toNanos();
            for (int run = 0; !compiled.methods.containsAll(compiledMethods); run++) {
                assertSameBits(interpreted, computation.compute.get(), "run " + run + " in this JVM");
                if (System.nanoTime() > deadline) {
                    Set<String> missing = new TreeSet<>(compiledMethods);
                    missing.removeAll(compiled.methods);
                    throw new AssertionError("C2 did not compile " + missing + " within " + COMPILE_TIMEOUT);
                }
                computation.heat.run();
            }
        }
        assertSameBits(interpreted, computation.compute.get(), "compiled by C2");
    }

    /**
     * The methods of this package that C2 compiled, on their own or inlined, from JFR's events
     * (a compilation's inlining events come before it ends, but may be delivered after).
     */
    private static final class C2Compilations {
        final Set<String> methods = ConcurrentHashMap.newKeySet();
        private final Set<Integer> done = ConcurrentHashMap.newKeySet();
        private final Map<Integer, Set<String>> inlined = new ConcurrentHashMap<>();

        void compilation(RecordedEvent event) {
            if (event.getInt("compileLevel") != 4 || !event.getBoolean("succeded")) {
                return;
            }
            int id = event.getInt("compileId");
            RecordedMethod method = event.getValue("method");
            add(method.getType().getName(), method.getName());
            done.add(id);
            methods.addAll(inlined.getOrDefault(id, Set.of()));
        }

        void inlining(RecordedEvent event) {
            if (!event.getBoolean("succeeded")) {
                return;
            }
            int id = event.getInt("compileId");
            RecordedObject callee = event.getValue("callee");
            String type = callee.getString("type").replace('/', '.');
            if (type.startsWith(KERNEL_PACKAGE)) {
                String key = type.substring(KERNEL_PACKAGE.length()) + "::" + callee.getString("name");
                inlined.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).add(key);
                if (done.contains(id)) {
                    methods.add(key);
                }
            }
        }

        private void add(String type, String name) {
            if (type.startsWith(KERNEL_PACKAGE)) {
                methods.add(type.substring(KERNEL_PACKAGE.length()) + "::" + name);
            }
        }
    }

    private static void assertSameBits(Map<String, double[]> expected, Map<String, double[]> actual, String when) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) {
            assertArrayEquals(expected.get(name), actual.get(name), name + ", " + when);
        }
    }

    /**
     * exp, softplus and sigmoid of special values and of random floats of every magnitude, and
     * log1p of random fractions.
     */
    static Map<String, double[]> math() {
        Random random = new Random(17);
        float[] x = new float[MATH_INPUTS];
        float[] fraction = new float[MATH_INPUTS];
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MIN_VALUE,
                Float.MAX_VALUE, -Float.MAX_VALUE, VectorMath.EXP_ZERO_UP_TO, Math.nextUp(VectorMath.EXP_ZERO_UP_TO), 88.72283f, 89f, 1f, -1f};
        for (int i = 0; i < x.length; i++) {
            x[i] = i < special.length ? special[i]
                    : i % 2 == 0 ? (float) (random.nextGaussian() * 30)
                    : Float.intBitsToFloat(random.nextInt());
            fraction[i] = random.nextFloat();
        }
        // Summands of many magnitudes, so that the order of the additions shows in the sums' last bits.
        Random sums = new Random(18);
        float[] summands = new float[MATH_INPUTS];
        for (int i = 0; i < summands.length; i++) {
            summands[i] = (float) (sums.nextGaussian() * Math.pow(10, sums.nextInt(8)));
        }
        float[][] out = new float[5][MATH_INPUTS];
        for (int i = 0; i < MATH_INPUTS; i += VectorMath.SPECIES.length()) {
            evaluate(x, fraction, summands, i, out);
        }
        Map<String, double[]> values = new LinkedHashMap<>();
        String[] names = {"exp", "softplus", "sigmoid", "log1p", "sum"};
        for (int f = 0; f < names.length; f++) {
            values.put(names[f], widen(out[f]));
        }
        return values;
    }

    private static void evaluate(float[] x, float[] fraction, float[] summands, int i, float[][] out) {
        FloatVector v = FloatVector.fromArray(VectorMath.SPECIES, x, i);
        VectorMath.exp(v).intoArray(out[0], i);
        VectorMath.softplus(v).intoArray(out[1], i);
        VectorMath.sigmoid(v).intoArray(out[2], i);
        VectorMath.log1pOfFraction(FloatVector.fromArray(VectorMath.SPECIES, fraction, i)).intoArray(out[3], i);
        out[4][i] = VectorMath.sum(FloatVector.fromArray(VectorMath.SPECIES, summands, i));
    }

    private static double[] widen(float[] values) {
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = values[i];
        }
        return d;
    }

    /**
     * Every output of: the Vector API scan, forward and backward, on the channel-parallel and on
     * the chunked path, on a shape with every option on, two groups and a block narrower than
     * a vector in each, and several checkpoint intervals, the last one partial; the scalar
     * double scan on the same problem ({@code Math.exp}); the Vector API conv1d with SiLU and
     * channels left over for the scalar code.
     */
    static Map<String, double[]> kernels() {
        int lanes = VectorScanKernel.lanes();
        ScanSpec spec = new ScanSpec(1, 19, 2 * (lanes + 3), 4, 2, true, true, true, true, true, 8);
        ScanCase sc = ScanCase.random(spec, 11);
        Map<String, double[]> out = new LinkedHashMap<>();
        put(out, "vector scan", ScanRunner.run(new VectorScanKernel(THREADS, 0), sc, ElementType.FLOAT32));
        put(out, "chunked vector scan", ScanRunner.run(new VectorScanKernel(THREADS, 3), sc, ElementType.FLOAT32));
        put(out, "scalar scan", ScanRunner.run(new ScalarScanKernel(THREADS, 0), sc, ElementType.FLOAT64));
        out.putAll(conv(new CausalConv1dSpec(1, 9, lanes + 3, 4, true, true, true)));
        return out;
    }

    private static void put(Map<String, double[]> out, String kernel, ScanResult r) {
        String[] names = {"y", "lastState", "checkpoints", "du", "dDelta", "dA", "dB", "dC", "dD", "dZ", "dDeltaBias",
                "dInitialState"};
        double[][] values = {r.y(), r.lastState(), r.checkpoints(), r.du(), r.dDelta(), r.dA(), r.dB(), r.dC(), r.dD(),
                r.dZ(), r.dDeltaBias(), r.dInitialState()};
        for (int i = 0; i < names.length; i++) {
            out.put(kernel + " " + names[i], values[i]);
        }
    }

    private static Map<String, double[]> conv(CausalConv1dSpec spec) {
        Random random = new Random(5);
        int sequence = spec.batch() * spec.length() * spec.channels();
        int state = spec.batch() * spec.channels() * spec.stateWidth();
        float[] x = gaussian(random, sequence);
        float[] weight = gaussian(random, spec.channels() * spec.width());
        float[] bias = gaussian(random, spec.channels());
        float[] initial = gaussian(random, state);
        float[] dy = gaussian(random, sequence);
        float[] dFinal = gaussian(random, state);
        Map<String, float[]> out = new LinkedHashMap<>();
        out.put("y", new float[sequence]);
        out.put("finalState", new float[state]);
        out.put("dx", new float[sequence]);
        out.put("dWeight", new float[weight.length]);
        out.put("dBias", new float[bias.length]);
        out.put("dInitialState", new float[state]);
        CausalConv1dCpu.forward(spec, ElementType.FLOAT32, of(x), of(weight), of(bias), of(initial),
                of(out.get("y")), of(out.get("finalState")), true);
        CausalConv1dCpu.backward(spec, ElementType.FLOAT32, of(x), of(weight), of(bias), of(initial), of(dy),
                of(dFinal), of(out.get("dx")), of(out.get("dWeight")), of(out.get("dBias")),
                of(out.get("dInitialState")), true);
        Map<String, double[]> widened = new LinkedHashMap<>();
        out.forEach((name, values) -> widened.put("vector conv " + name, widen(values)));
        return widened;
    }

    private static float[] gaussian(Random random, int size) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    private static MemorySegment of(float[] values) {
        return MemorySegment.ofArray(values);
    }

    /**
     * Scans and convolutions that call each kernel method many times (short checkpoint
     * intervals, many 64-channel conv tasks), so that they reach C2's invocation thresholds.
     */
    private static void heatKernels() {
        ScanSpec spec = new ScanSpec(1, 256, 4 * VectorScanKernel.lanes() + 3, 4, 1, true, true, true, true, true, 4);
        ScanCase sc = ScanCase.random(spec, 3);
        ScanRunner.run(new VectorScanKernel(THREADS, 0), sc, ElementType.FLOAT32);
        ScanRunner.run(new VectorScanKernel(THREADS, 8), sc, ElementType.FLOAT32);
        conv(new CausalConv1dSpec(4, 8, 16 * CausalConv1dCpu.CHANNEL_BLOCK, 4, true, true, true));
    }

    private static void write(Map<String, double[]> values, Path file) {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            out.writeInt(values.size());
            for (Map.Entry<String, double[]> entry : values.entrySet()) {
                out.writeUTF(entry.getKey());
                double[] v = entry.getValue();
                out.writeInt(v == null ? -1 : v.length);
                for (int i = 0; v != null && i < v.length; i++) {
                    out.writeLong(Double.doubleToRawLongBits(v[i]));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, double[]> read(Path file) {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            Map<String, double[]> values = new LinkedHashMap<>();
            int count = in.readInt();
            for (int k = 0; k < count; k++) {
                String name = in.readUTF();
                int length = in.readInt();
                double[] v = length < 0 ? null : new double[length];
                for (int i = 0; i < length; i++) {
                    v[i] = Double.longBitsToDouble(in.readLong());
                }
                values.put(name, v);
            }
            return values;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
