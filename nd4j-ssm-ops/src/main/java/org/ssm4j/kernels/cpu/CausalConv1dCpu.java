package org.ssm4j.kernels.cpu;

import org.jspecify.annotations.Nullable;
import org.ssm4j.kernels.CausalConv1dSpec;
import org.ssm4j.kernels.ElementType;

import java.lang.foreign.MemorySegment;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * CPU kernels of the causal depthwise conv1d (forward and backward) on dense buffers laid out
 * as {@link CausalConv1dSpec} describes. Work is split into (batch, block of
 * {@value #CHANNEL_BLOCK} channels) tasks run in parallel; float buffers use the Vector API
 * when the {@code jdk.incubator.vector} module is present, double buffers (and float without
 * it) the scalar kernel.
 */
public final class CausalConv1dCpu {

    /** Channels per task; a multiple of every vector length. */
    static final int CHANNEL_BLOCK = 64;
    /** Below this many multiply-adds the call runs on the calling thread. */
    private static final long PARALLEL_THRESHOLD = 1L << 16;
    private static final boolean VECTOR_API = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    private CausalConv1dCpu() {
    }

    /** Whether float buffers are computed with the Vector API in this JVM. */
    public static boolean vectorized() {
        return VECTOR_API;
    }

    /**
     * Computes {@code y} and the final conv state.
     *
     * @param bias         (channels); read only if {@code spec.hasBias()}
     * @param initialState (batch, channels, width-1); read only if {@code spec.hasInitialState()}
     * @param finalState   (batch, channels, width-1)
     * @throws IllegalArgumentException if a buffer is smaller than its shape needs
     */
    public static void forward(CausalConv1dSpec spec, ElementType type, MemorySegment x, MemorySegment weight,
                               @Nullable MemorySegment bias, @Nullable MemorySegment initialState,
                               MemorySegment y, MemorySegment finalState) {
        forward(spec, type, x, weight, bias, initialState, y, finalState, VECTOR_API);
    }

    static void forward(CausalConv1dSpec spec, ElementType type, MemorySegment x, MemorySegment weight,
                        @Nullable MemorySegment bias, @Nullable MemorySegment initialState,
                        MemorySegment y, MemorySegment finalState, boolean useVectors) {
        checkInputs(spec, type, x, weight, bias, initialState);
        ElementAccess.requireElements("y", y, sequenceElements(spec), type);
        ElementAccess.requireElements("finalState", finalState, stateElements(spec), type);
        boolean vectors = useVectors && type == ElementType.FLOAT32;
        forEachTask(spec, (b, c0, c1) -> {
            int vectorEnd = vectors ? CausalConv1dVector.vectorEnd(c0, c1) : c0;
            if (vectorEnd > c0) {
                CausalConv1dVector.forward(spec, x, weight, bias, initialState, y, b, c0, vectorEnd);
            }
            CausalConv1dScalar.forward(spec, type, x, weight, bias, initialState, y, b, vectorEnd, c1);
            CausalConv1dScalar.finalState(spec, type, x, initialState, finalState, b, c0, c1);
        });
    }

    /**
     * Computes the gradients of the inputs from those of the outputs.
     *
     * @param dFinalState   gradient of the final state (batch, channels, width-1), or null for zeros
     * @param dBias         written if {@code spec.hasBias()}
     * @param dInitialState written if {@code spec.hasInitialState()}
     * @throws IllegalArgumentException if a buffer is smaller than its shape needs
     */
    public static void backward(CausalConv1dSpec spec, ElementType type, MemorySegment x, MemorySegment weight,
                                @Nullable MemorySegment bias, @Nullable MemorySegment initialState,
                                MemorySegment dy, @Nullable MemorySegment dFinalState, MemorySegment dx,
                                MemorySegment dWeight, @Nullable MemorySegment dBias,
                                @Nullable MemorySegment dInitialState) {
        backward(spec, type, x, weight, bias, initialState, dy, dFinalState, dx, dWeight, dBias, dInitialState,
                VECTOR_API);
    }

    static void backward(CausalConv1dSpec spec, ElementType type, MemorySegment x, MemorySegment weight,
                         @Nullable MemorySegment bias, @Nullable MemorySegment initialState,
                         MemorySegment dy, @Nullable MemorySegment dFinalState, MemorySegment dx,
                         MemorySegment dWeight, @Nullable MemorySegment dBias,
                         @Nullable MemorySegment dInitialState, boolean useVectors) {
        checkInputs(spec, type, x, weight, bias, initialState);
        ElementAccess.requireElements("dy", dy, sequenceElements(spec), type);
        ElementAccess.requireElements("dx", dx, sequenceElements(spec), type);
        ElementAccess.requireElements("dWeight", dWeight, (long) spec.channels() * spec.width(), type);
        if (dFinalState != null) {
            ElementAccess.requireElements("dFinalState", dFinalState, stateElements(spec), type);
        }
        if (spec.hasBias()) {
            ElementAccess.requireElements("dBias", dBias, spec.channels(), type);
        }
        if (spec.hasInitialState()) {
            ElementAccess.requireElements("dInitialState", dInitialState, stateElements(spec), type);
        }
        int channels = spec.channels();
        int width = spec.width();
        double[] dWeightPartial = new double[spec.batch() * channels * width];
        double[] dBiasPartial = new double[spec.batch() * channels];
        boolean vectors = useVectors && type == ElementType.FLOAT32;
        forEachTask(spec, (b, c0, c1) -> {
            int vectorEnd = vectors ? CausalConv1dVector.vectorEnd(c0, c1) : c0;
            if (vectorEnd > c0) {
                float[] dz = CausalConv1dVector.activationGradients(spec, x, weight, bias, initialState, dy, b, c0,
                        vectorEnd);
                CausalConv1dVector.backward(spec, x, weight, bias, initialState, dz, dx, dInitialState,
                        dWeightPartial, dBiasPartial, b, c0, vectorEnd);
            }
            CausalConv1dScalar.backward(spec, type, x, weight, bias, initialState, dy, dx, dInitialState,
                    dWeightPartial, dBiasPartial, b, vectorEnd, c1);
            if (dFinalState != null) {
                CausalConv1dScalar.addFinalStateGradient(spec, type, dFinalState, dx, dInitialState, b, c0, c1);
            }
        });
        for (int c = 0; c < channels; c++) {
            for (int k = 0; k < width; k++) {
                double sum = 0;
                for (int b = 0; b < spec.batch(); b++) {
                    sum += dWeightPartial[(b * channels + c) * width + k];
                }
                ElementAccess.set(type, dWeight, (long) c * width + k, sum);
            }
            if (spec.hasBias()) {
                double sum = 0;
                for (int b = 0; b < spec.batch(); b++) {
                    sum += dBiasPartial[b * channels + c];
                }
                ElementAccess.set(type, dBias, c, sum);
            }
        }
    }

    @FunctionalInterface
    private interface Task {
        void run(int batch, int channelStart, int channelEnd);
    }

    private static void forEachTask(CausalConv1dSpec spec, Task task) {
        int blocks = (spec.channels() + CHANNEL_BLOCK - 1) / CHANNEL_BLOCK;
        int tasks = spec.batch() * blocks;
        IntConsumer body = i -> {
            int b = i / blocks;
            int c0 = (i % blocks) * CHANNEL_BLOCK;
            task.run(b, c0, Math.min(spec.channels(), c0 + CHANNEL_BLOCK));
        };
        long work = sequenceElements(spec) * spec.width();
        IntStream range = IntStream.range(0, tasks);
        (tasks > 1 && work >= PARALLEL_THRESHOLD ? range.parallel() : range).forEach(body);
    }

    private static void checkInputs(CausalConv1dSpec spec, ElementType type, MemorySegment x, MemorySegment weight,
                                    @Nullable MemorySegment bias, @Nullable MemorySegment initialState) {
        if (type != ElementType.FLOAT32 && type != ElementType.FLOAT64) {
            throw new IllegalArgumentException("causal conv1d kernels take FLOAT32 or FLOAT64 buffers, got " + type);
        }
        ElementAccess.requireElements("x", x, sequenceElements(spec), type);
        ElementAccess.requireElements("weight", weight, (long) spec.channels() * spec.width(), type);
        if (spec.hasBias()) {
            ElementAccess.requireElements("bias", bias, spec.channels(), type);
        }
        if (spec.hasInitialState()) {
            ElementAccess.requireElements("initialState", initialState, stateElements(spec), type);
        }
    }

    private static long sequenceElements(CausalConv1dSpec spec) {
        return (long) spec.batch() * spec.length() * spec.channels();
    }

    private static long stateElements(CausalConv1dSpec spec) {
        return (long) spec.batch() * spec.channels() * spec.stateWidth();
    }
}
