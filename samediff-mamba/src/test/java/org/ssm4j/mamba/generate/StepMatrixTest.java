package org.ssm4j.mamba.generate;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The step's matrix-vector products against a scalar double-precision reference. */
class StepMatrixTest {

    @ParameterizedTest(name = "{0}x{1}, batch {2}")
    @CsvSource({"1,1,1", "3,5,2", "7,16,1", "9,33,3", "64,128,2", "13,48,1", "5,100,4", "50,768,2"})
    void float32AndBfloat16MatchAScalarProduct(int rows, int cols, int batch) {
        SplittableRandom random = new SplittableRandom(rows * 1000L + cols);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
        }
        FloatTensor weights = FloatTensor.of(Nd4j.create(w, new long[]{rows, cols}, DataType.FLOAT), rows, cols);
        // x: batch rows of cols at a stride of cols + 3; y: batch rows of rows at a stride of rows + 2.
        int xStride = cols + 3;
        int yStride = rows + 2;
        FloatTensor x = FloatTensor.zeros(batch, xStride);
        for (int i = 0; i < batch * xStride; i++) {
            x.segment.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, (float) random.nextGaussian());
        }
        for (StepPrecision precision : StepPrecision.values()) {
            StepMatrix m = StepMatrix.of(weights, rows, cols, precision);
            for (boolean accumulate : new boolean[]{false, true}) {
                FloatTensor y = FloatTensor.zeros(batch, yStride);
                for (int i = 0; i < batch * yStride; i++) {
                    y.segment.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, i % 7);
                }
                // Two row ranges, as two threads would split them.
                int split = rows / 2;
                m.multiply(x.segment, xStride, y.segment, yStride, batch, 0, split, accumulate);
                m.multiply(x.segment, xStride, y.segment, yStride, batch, split, rows, accumulate);
                for (int s = 0; s < batch; s++) {
                    for (int r = 0; r < rows; r++) {
                        double want = accumulate ? (s * yStride + r) % 7 : 0;
                        double scale = 0;
                        for (int c = 0; c < cols; c++) {
                            double weight = precision == StepPrecision.FLOAT32 ? w[r * cols + c]
                                    : StepMatrix.BFloat16.widen(StepMatrix.BFloat16.round(w[r * cols + c]));
                            double term = weight * x.get((long) s * xStride + c);
                            want += term;
                            scale += Math.abs(term);
                        }
                        assertEquals(want, y.get((long) s * yStride + r), 1e-5 * (scale + 1),
                                precision + " row " + r + " sequence " + s + (accumulate ? " (accumulating)" : ""));
                    }
                    for (int r = rows; r < yStride; r++) {
                        assertEquals((s * yStride + r) % 7, y.get((long) s * yStride + r),
                                "padding after the rows is untouched");
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"1.0", "-2.5", "3.1415927", "1.00390625", "1.01171875", "65504.0", "1.0e-30"})
    void bfloat16RoundsToNearestEven(float value) {
        int bits = Float.floatToRawIntBits(value);
        float down = Float.intBitsToFloat(bits & 0xFFFF0000);
        float up = Float.intBitsToFloat((bits & 0xFFFF0000) + 0x10000);
        float rounded = StepMatrix.BFloat16.widen(StepMatrix.BFloat16.round(value));
        double toDown = Math.abs(value - down);
        double toUp = Math.abs(up - value);
        float expected = toDown < toUp ? down : toUp < toDown ? up
                : ((bits >>> 16) & 1) == 0 ? down : up;
        assertEquals(expected, rounded);
    }
}
