package org.ssm4j.ops.conv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.ops.Layout;
import org.ssm4j.ops.SsmOps;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad inputs are rejected with an IllegalArgumentException naming the input, what it is and what was expected. */
class CausalConv1dValidationTest {

    private static final CausalConv1dConfig CONFIG = CausalConv1dConfig.defaults();

    private static INDArray x() {
        return Nd4j.rand(DataType.FLOAT, 2, 6, 5);
    }

    private static INDArray weight() {
        return Nd4j.rand(DataType.FLOAT, 5, 4);
    }

    private static void assertRejected(Executable call, String... messageParts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String part : messageParts) {
            assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' lacks '" + part + "'");
        }
    }

    @Test
    void rejectsWrongRanksAndShapes() {
        assertRejected(() -> SsmOps.causalConv1d(Nd4j.rand(DataType.FLOAT, 6, 5), weight(), null, null, CONFIG),
                "input x", "[6, 5]", "rank 3");
        assertRejected(() -> SsmOps.causalConv1d(x(), Nd4j.rand(DataType.FLOAT, 4, 4), null, null, CONFIG),
                "input weight", "[4, 4]", "[5, width >= 1]");
        assertRejected(() -> SsmOps.causalConv1d(x(), Nd4j.create(DataType.FLOAT, 5, 0), null, null, CONFIG),
                "input weight", "[5, 0]", "width >= 1");
        assertRejected(() -> SsmOps.causalConv1d(x(), weight(), Nd4j.rand(DataType.FLOAT, 4), null, CONFIG),
                "bias", "[4]", "expected [5]");
        assertRejected(() -> SsmOps.causalConv1d(x(), weight(), null, Nd4j.rand(DataType.FLOAT, 2, 5, 4), CONFIG),
                "initialState", "[2, 5, 4]", "expected [2, 5, 3]");
        assertRejected(() -> SsmOps.causalConv1d(Nd4j.rand(DataType.FLOAT, 2, 6, 5), weight(), null, null,
                        CONFIG.withLayout(Layout.CHANNELS_FIRST)),
                "input weight", "[5, 4]", "[6, width >= 1]");
    }

    @Test
    void rejectsWrongTypes() {
        assertRejected(() -> SsmOps.causalConv1d(x().castTo(DataType.INT32), weight().castTo(DataType.INT32), null,
                null, CONFIG), "input x", "INT", "FLOAT or DOUBLE");
        assertRejected(() -> SsmOps.causalConv1d(x(), weight().castTo(DataType.DOUBLE), null, null, CONFIG),
                "input weight", "DOUBLE", "expected FLOAT");
    }

    @Test
    void rejectsWrongOutputArrays() {
        CausalConv1d op = new CausalConv1d(x(), weight(), null, null, CONFIG);
        op.addOutputArgument(Nd4j.create(DataType.FLOAT, 2, 6, 4), Nd4j.create(DataType.FLOAT, 2, 5, 3));
        assertRejected(() -> Nd4j.exec(op), "output y", "[2, 6, 4]", "expected [2, 6, 5]");
    }

    @Test
    void rejectsMismatchedTypesWhenTheGraphIsBuilt() {
        SameDiff sd = SameDiff.create();
        var x = sd.placeHolder("x", DataType.FLOAT, 2, 6, 5);
        var w = sd.var("w", weight().castTo(DataType.DOUBLE));
        assertRejected(() -> SsmOps.causalConv1d(sd, "y", x, w, null, null, CONFIG), "input weight", "DOUBLE");
    }

    @Test
    void rejectsWrongShapesWhenTheGraphRuns() {
        SameDiff sd = SameDiff.create();
        var x = sd.placeHolder("x", DataType.FLOAT, -1, -1, 5);
        var w = sd.var("w", weight());
        SsmOps.causalConv1d(sd, "y", x, w, null, null, CONFIG);
        Throwable thrown = assertThrows(RuntimeException.class,
                () -> sd.output(Map.of("x", Nd4j.rand(DataType.FLOAT, 2, 6, 3)), "y"));
        while (!(thrown instanceof IllegalArgumentException) && thrown.getCause() != null) {
            thrown = thrown.getCause();
        }
        String message = thrown.getMessage();
        assertTrue(thrown instanceof IllegalArgumentException && message.contains("input weight")
                && message.contains("[5, 4]") && message.contains("[3, width >= 1]"), thrown.toString());
    }
}
