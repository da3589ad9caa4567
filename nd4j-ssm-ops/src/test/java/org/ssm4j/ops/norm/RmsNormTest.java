package org.ssm4j.ops.norm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.ops.SsmOps;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rms_norm op and its backward op against a double-precision reference and against stock SameDiff ops. */
class RmsNormTest {

    private static final double EPS = 1e-5;

    /** y = weight * x / sqrt(mean(x²) + eps), row by row, in double. */
    private static INDArray reference(INDArray x, INDArray weight, double eps) {
        INDArray xd = x.castTo(DataType.DOUBLE);
        INDArray out = Nd4j.create(DataType.DOUBLE, x.shape());
        for (int i = 0; i < x.size(0); i++) {
            INDArray row = xd.getRow(i);
            double r = 1 / Math.sqrt(row.mul(row).meanNumber().doubleValue() + eps);
            out.putRow(i, row.mul(r).mul(weight.castTo(DataType.DOUBLE)));
        }
        return out;
    }

    private static double relativeError(INDArray actual, INDArray expected) {
        INDArray e = expected.castTo(DataType.DOUBLE);
        return actual.castTo(DataType.DOUBLE).sub(e).norm2Number().doubleValue() / e.norm2Number().doubleValue();
    }

    @Test
    void normalisesRowsInFloatAndDouble() {
        // 37 columns: a vector body and a scalar tail on every vector width; 200 rows: several row blocks.
        for (DataType type : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            Nd4j.getRandom().setSeed(5);
            INDArray x = Nd4j.randn(DataType.DOUBLE, 200, 37).mul(3).castTo(type);
            INDArray weight = Nd4j.randn(DataType.DOUBLE, 37).castTo(type);
            INDArray y = SsmOps.rmsNorm(x, weight, EPS);
            assertEquals(type, y.dataType());
            double err = relativeError(y, reference(x, weight, EPS));
            assertTrue(err < (type == DataType.FLOAT ? 1e-6 : 1e-14), type + ": relative error " + err);
            // A strided view gives the same rows as its dense copy.
            INDArray view = x.transpose().dup().transpose();
            assertEquals(y, SsmOps.rmsNorm(view, weight, EPS));
        }
    }

    /** The op's gradients are those of the same function written with stock SameDiff ops. */
    @Test
    void gradientsMatchStockOps() {
        Nd4j.getRandom().setSeed(7);
        INDArray xValues = Nd4j.randn(DataType.DOUBLE, 150, 21);
        INDArray weightValues = Nd4j.randn(DataType.DOUBLE, 21);
        INDArray dyValues = Nd4j.randn(DataType.DOUBLE, 150, 21);
        Map<String, INDArray> fused = gradients(xValues, weightValues, dyValues, true);
        Map<String, INDArray> stock = gradients(xValues, weightValues, dyValues, false);
        for (String name : new String[]{"x", "weight"}) {
            double err = relativeError(fused.get(name), stock.get(name));
            assertTrue(err < 1e-13, name + ": relative error " + err);
        }
        // Float: the Vector API kernel against the double gradients.
        Map<String, INDArray> single = gradients(xValues.castTo(DataType.FLOAT), weightValues.castTo(DataType.FLOAT),
                dyValues.castTo(DataType.FLOAT), true);
        for (String name : new String[]{"x", "weight"}) {
            double err = relativeError(single.get(name), stock.get(name));
            assertTrue(err < 1e-5, name + " (float): relative error " + err);
        }
    }

    private static Map<String, INDArray> gradients(INDArray xValues, INDArray weightValues, INDArray dyValues,
                                                   boolean fused) {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", xValues);
        SDVariable weight = sd.var("weight", weightValues);
        SDVariable y = fused ? SsmOps.rmsNorm(sd, "y", x, weight, EPS)
                : x.mul(sd.math.rsqrt(sd.mean(sd.math.square(x), true, 1).add(EPS))).mul(weight);
        y.mul(sd.constant(dyValues)).sum().markAsLoss();
        return sd.calculateGradients(Map.of(), "x", "weight");
    }

    @Test
    void aSavedGraphKeepsItsEpsilon(@TempDir Path dir) throws Exception {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 8);
        SsmOps.rmsNorm(sd, "y", x, sd.var("weight", Nd4j.rand(DataType.FLOAT, 8)), 0.5);
        INDArray input = Nd4j.rand(DataType.FLOAT, 3, 8).mul(0.1);
        INDArray before = sd.output(Map.of("x", input), "y").get("y");
        Path file = dir.resolve("norm.sd");
        sd.save(file.toFile(), false);
        INDArray after = SameDiff.load(file.toFile(), false).output(Map.of("x", input), "y").get("y");
        assertEquals(before, after);
        // With eps 0.5 dominating the tiny mean square, the default 1e-5 would give a very different y.
        assertTrue(relativeError(before, reference(input, sd.getVariable("weight").getArr(), 0.5)) < 1e-6);
    }

    @Test
    void rejectsBadInputsNamingThem() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 6);
        var e = assertThrows(IllegalArgumentException.class, () -> SsmOps.rmsNorm(x, Nd4j.rand(DataType.FLOAT, 5), EPS));
        assertTrue(e.getMessage().contains("rms_norm: weight has shape [5], expected [6]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> SsmOps.rmsNorm(Nd4j.rand(DataType.FLOAT, 2, 4, 6), Nd4j.rand(DataType.FLOAT, 6), EPS));
        assertTrue(e.getMessage().contains("rms_norm: x has shape [2, 4, 6], expected (rows, width)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SsmOps.rmsNorm(x, Nd4j.rand(DataType.FLOAT, 6), -1));
        assertTrue(e.getMessage().contains("epsilon must be finite and >= 0, got -1.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> SsmOps.rmsNorm(x, Nd4j.rand(DataType.DOUBLE, 6), EPS));
        assertTrue(e.getMessage().contains("input weight has type DOUBLE, expected FLOAT"), e.getMessage());
    }
}
