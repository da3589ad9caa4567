package org.ssm4j.kernels.cpu;

import org.ssm4j.kernels.ElementType;

import java.lang.foreign.MemorySegment;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * CPU kernels of RMSNorm over the rows of a dense {@code (rows, width)} buffer, as Hugging
 * Face's {@code MambaRMSNorm}: {@code y = weight * (x * r)} with
 * {@code r = 1 / sqrt(mean(x²) + epsilon)} per row, and its gradient:
 * {@code g = dy * weight}, {@code dx = r g - x r³ mean(g x)}, {@code dWeight = sum over rows of dy x r}.
 *
 * <p>Rows are split into blocks of {@value #ROW_BLOCK} run in parallel. The weight gradient is
 * summed per block and the blocks' sums added in block order, so it does not depend on the
 * number of threads. Float buffers use the Vector API ({@link RmsNormVector}) when the
 * {@code jdk.incubator.vector} module is present; double buffers (and float without it) are
 * computed in double precision.
 */
public final class RmsNormCpu {

    /** Rows per task: fixed, so that the weight gradient's rounding is the same on every machine. */
    static final int ROW_BLOCK = 64;
    /** Below this many elements the call runs on the calling thread. */
    private static final long PARALLEL_THRESHOLD = 1L << 15;
    private static final boolean VECTOR_API = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    private RmsNormCpu() {
    }

    /**
     * Computes {@code y} from {@code x} and {@code weight}.
     *
     * @throws IllegalArgumentException if a buffer is smaller than its shape needs, or the type is not float32 or float64
     */
    public static void forward(ElementType type, MemorySegment x, MemorySegment weight, double epsilon,
                               MemorySegment y, int rows, int width) {
        forward(type, x, weight, epsilon, y, rows, width, VECTOR_API);
    }

    static void forward(ElementType type, MemorySegment x, MemorySegment weight, double epsilon, MemorySegment y,
                        int rows, int width, boolean useVectors) {
        checkInputs(type, x, weight, rows, width);
        ElementAccess.requireElements("y", y, (long) rows * width, type);
        boolean vectors = useVectors && type == ElementType.FLOAT32;
        forEachBlock(rows, width, (r0, r1) -> {
            for (int row = r0; row < r1; row++) {
                long offset = (long) row * width;
                if (vectors) {
                    RmsNormVector.forwardRow(x, offset, weight, (float) epsilon, y, offset, width);
                } else {
                    forwardRow(type, x, offset, weight, epsilon, y, width);
                }
            }
        });
    }

    /**
     * Computes the gradients of {@code x} and {@code weight} from that of {@code y}.
     *
     * @throws IllegalArgumentException if a buffer is smaller than its shape needs, or the type is not float32 or float64
     */
    public static void backward(ElementType type, MemorySegment x, MemorySegment weight, MemorySegment dy,
                                double epsilon, MemorySegment dx, MemorySegment dWeight, int rows, int width) {
        backward(type, x, weight, dy, epsilon, dx, dWeight, rows, width, VECTOR_API);
    }

    static void backward(ElementType type, MemorySegment x, MemorySegment weight, MemorySegment dy, double epsilon,
                         MemorySegment dx, MemorySegment dWeight, int rows, int width, boolean useVectors) {
        checkInputs(type, x, weight, rows, width);
        ElementAccess.requireElements("dy", dy, (long) rows * width, type);
        ElementAccess.requireElements("dx", dx, (long) rows * width, type);
        ElementAccess.requireElements("dWeight", dWeight, width, type);
        boolean vectors = useVectors && type == ElementType.FLOAT32;
        int blocks = blocks(rows);
        float[][] floatSums = vectors ? new float[blocks][width] : null;
        double[][] doubleSums = vectors ? null : new double[blocks][width];
        forEachBlock(rows, width, (r0, r1) -> {
            int block = r0 / ROW_BLOCK;
            for (int row = r0; row < r1; row++) {
                long offset = (long) row * width;
                if (vectors) {
                    RmsNormVector.backwardRow(x, weight, dy, (float) epsilon, dx, floatSums[block], offset, width);
                } else {
                    backwardRow(type, x, weight, dy, epsilon, dx, doubleSums[block], offset, width);
                }
            }
        });
        for (int k = 0; k < width; k++) {
            double sum = 0;
            for (int block = 0; block < blocks; block++) {
                sum += vectors ? floatSums[block][k] : doubleSums[block][k];
            }
            ElementAccess.set(type, dWeight, k, sum);
        }
    }

    /** One row in double precision. */
    private static void forwardRow(ElementType type, MemorySegment x, long offset, MemorySegment weight,
                                   double epsilon, MemorySegment y, int width) {
        double r = scale(type, x, offset, epsilon, width);
        for (int k = 0; k < width; k++) {
            double normed = ElementAccess.get(type, x, offset + k) * r;
            ElementAccess.set(type, y, offset + k, ElementAccess.get(type, weight, k) * normed);
        }
    }

    /**
     * One row's input gradient in double precision (both row sums in one pass); adds its share
     * of the weight gradient to {@code dWeightSums}.
     */
    private static void backwardRow(ElementType type, MemorySegment x, MemorySegment weight, MemorySegment dy,
                                    double epsilon, MemorySegment dx, double[] dWeightSums, long offset, int width) {
        double squares = 0;
        double dot = 0;
        for (int k = 0; k < width; k++) {
            double xk = ElementAccess.get(type, x, offset + k);
            squares += xk * xk;
            dot += ElementAccess.get(type, dy, offset + k) * ElementAccess.get(type, weight, k) * xk;
        }
        double r = scale(squares, epsilon, width);
        double coefficient = dot * r * r * r / width;
        for (int k = 0; k < width; k++) {
            double xk = ElementAccess.get(type, x, offset + k);
            double dyk = ElementAccess.get(type, dy, offset + k);
            ElementAccess.set(type, dx, offset + k, dyk * ElementAccess.get(type, weight, k) * r - xk * coefficient);
            dWeightSums[k] += dyk * xk * r;
        }
    }

    /** {@code 1 / sqrt(mean(x²) + epsilon)} of one row. */
    private static double scale(ElementType type, MemorySegment x, long offset, double epsilon, int width) {
        double squares = 0;
        for (int k = 0; k < width; k++) {
            double v = ElementAccess.get(type, x, offset + k);
            squares += v * v;
        }
        return scale(squares, epsilon, width);
    }

    /** {@code 1 / sqrt(squares / width + epsilon)}. */
    private static double scale(double squares, double epsilon, int width) {
        return 1 / Math.sqrt(squares / width + epsilon);
    }

    @FunctionalInterface
    private interface Block {
        void run(int rowStart, int rowEnd);
    }

    private static int blocks(int rows) {
        return (rows + ROW_BLOCK - 1) / ROW_BLOCK;
    }

    private static void forEachBlock(int rows, int width, Block block) {
        int blocks = blocks(rows);
        IntConsumer body = i -> block.run(i * ROW_BLOCK, Math.min(rows, (i + 1) * ROW_BLOCK));
        IntStream range = IntStream.range(0, blocks);
        (blocks > 1 && (long) rows * width >= PARALLEL_THRESHOLD ? range.parallel() : range).forEach(body);
    }

    private static void checkInputs(ElementType type, MemorySegment x, MemorySegment weight, int rows, int width) {
        if (type != ElementType.FLOAT32 && type != ElementType.FLOAT64) {
            throw new IllegalArgumentException("RMSNorm kernels take FLOAT32 or FLOAT64 buffers, got " + type);
        }
        if (rows < 0 || width < 1) {
            throw new IllegalArgumentException("RMSNorm needs rows >= 0 and width >= 1, got " + rows + " x " + width);
        }
        ElementAccess.requireElements("x", x, (long) rows * width, type);
        ElementAccess.requireElements("weight", weight, width, type);
    }
}
