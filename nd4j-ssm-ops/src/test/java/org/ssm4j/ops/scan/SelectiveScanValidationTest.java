package org.ssm4j.ops.scan;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.ops.Layout;
import org.ssm4j.ops.SsmOps;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad inputs are rejected with an IllegalArgumentException naming the input, its shape or type and the expectation. */
class SelectiveScanValidationTest {

    // batch 2, length 5, channels 6, state 4 (channels-last)
    private final INDArray u = Nd4j.rand(DataType.FLOAT, 2, 5, 6);
    private final INDArray delta = Nd4j.rand(DataType.FLOAT, 2, 5, 6);
    private final INDArray a = Nd4j.rand(DataType.FLOAT, 6, 4).negi();
    private final INDArray b = Nd4j.rand(DataType.FLOAT, 2, 5, 4);
    private final INDArray c = Nd4j.rand(DataType.FLOAT, 2, 5, 4);
    private final SelectiveScanConfig config = SelectiveScanConfig.defaults();

    private static void rejects(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' lacks '" + fragment + "'");
        }
    }

    @Test
    void acceptsTheValidInputs() {
        SelectiveScanResult<INDArray> out = SsmOps.selectiveScan(u, delta, a, b, c, null, null, null, null, config);
        assertTrue(out.y().equalShapes(u));
    }

    @Test
    void badRank() {
        rejects(() -> SsmOps.selectiveScan(u.reshape(10, 6), delta, a, b, c, null, null, null, null, config),
                "input u", "[10, 6]", "rank 3", "(batch, length, channels)");
    }

    @Test
    void badShapes() {
        rejects(() -> SsmOps.selectiveScan(u, delta.reshape(2, 6, 5), a, b, c, null, null, null, null, config),
                "delta", "[2, 6, 5]", "expected [2, 5, 6]");
        rejects(() -> SsmOps.selectiveScan(u, delta, Nd4j.rand(DataType.FLOAT, 5, 4), b, c, null, null, null, null, config),
                "input A", "[5, 4]", "(channels, state) = [6, state >= 1]");
        rejects(() -> SsmOps.selectiveScan(u, delta, a, Nd4j.rand(DataType.FLOAT, 2, 5, 3), c, null, null, null, null, config),
                "input B", "[2, 5, 3]", "(batch, length, state) = [2, 5, 4]", "(batch, length, groups, state)");
        rejects(() -> SsmOps.selectiveScan(u, delta, a, b, Nd4j.rand(DataType.FLOAT, 2, 5, 1, 4), null, null, null, null, config),
                "C", "[2, 5, 1, 4]", "expected [2, 5, 4]");
        // Channels-last arrays given to a channels-first op: u reads as 5 channels of length 6.
        rejects(() -> SsmOps.selectiveScan(u, delta, a, b, c, null, null, null, null,
                        config.withLayout(Layout.CHANNELS_FIRST)),
                "input A", "[6, 4]", "(channels, state) = [5, state >= 1]");
        rejects(() -> SsmOps.selectiveScan(u, delta, Nd4j.rand(DataType.FLOAT, 5, 4), b, c, null, null, null, null,
                        config.withLayout(Layout.CHANNELS_FIRST)),
                "input B", "[2, 5, 4]", "(batch, state, length) = [2, 4, 6]", "for layout CHANNELS_FIRST");
    }

    @Test
    void groupsMustDivideChannels() {
        INDArray grouped = Nd4j.rand(DataType.FLOAT, 2, 5, 4, 4);
        rejects(() -> SsmOps.selectiveScan(u, delta, a, grouped, grouped, null, null, null, null, config),
                "input B", "[2, 5, 4, 4]", "4 groups", "6 channels");
    }

    @Test
    void badOptionalInputs() {
        rejects(() -> SsmOps.selectiveScan(u, delta, a, b, c, Nd4j.rand(DataType.FLOAT, 5), null, null, null, config),
                "D", "[5]", "expected [6]");
        rejects(() -> SsmOps.selectiveScan(u, delta, a, b, c, null, Nd4j.rand(DataType.FLOAT, 2, 5, 7), null, null, config),
                "z", "[2, 5, 7]", "expected [2, 5, 6]");
        rejects(() -> SsmOps.selectiveScan(u, delta, a, b, c, null, null, Nd4j.rand(DataType.FLOAT, 2, 6), null, config),
                "deltaBias", "[2, 6]", "expected [6]");
        rejects(() -> SsmOps.selectiveScan(u, delta, a, b, c, null, null, null, Nd4j.rand(DataType.FLOAT, 2, 4, 6), config),
                "initialState", "[2, 4, 6]", "expected [2, 6, 4]");
    }

    @Test
    void inputCountMustMatchTheOptionalInputsTheOpWasBuiltWith() {
        ScanOptions withD = ScanOptions.of(config, true, false, false, false);
        rejects(() -> Nd4j.exec(new SelectiveScanBp(new INDArray[]{u, delta, a, b, c}, withD)),
                "selective_scan_bp expects 9 inputs", "[u, delta, A, B, C, D, checkpoints, dy, dLastState]", "got 5");
    }

    @Test
    void badTypes() {
        rejects(() -> SsmOps.selectiveScan(u, delta.castTo(DataType.DOUBLE), a, b, c, null, null, null, null, config),
                "input delta has type DOUBLE", "expected FLOAT");
        rejects(() -> SsmOps.selectiveScan(u.castTo(DataType.INT), delta.castTo(DataType.INT), a.castTo(DataType.INT),
                        b.castTo(DataType.INT), c.castTo(DataType.INT), null, null, null, null, config),
                "input u has type INT", "expected FLOAT or DOUBLE");
    }

    @Test
    void nanInA() {
        INDArray bad = a.dup();
        bad.putScalar(3, 2, Float.NaN);
        rejects(() -> SsmOps.selectiveScan(u, delta, bad, b, c, null, null, null, null, config),
                "input A", "[6, 4]", "NaN at [3, 2]");
    }

    @Test
    void backwardInputsMustMatchTheForward() {
        INDArray[] forward = Nd4j.exec(new SelectiveScan(u, delta, a, b, c, null, null, null, null, config));
        ScanOptions options = ScanOptions.of(config, false, false, false, false);
        INDArray state = forward[1];
        rejects(() -> Nd4j.exec(new SelectiveScanBp(new INDArray[]{u, delta, a, b, c, forward[2].reshape(2, 6, 4),
                        u, state}, options)),
                "checkpoints", "[2, 6, 4]", "expected [2, 1, 6, 4]");
        rejects(() -> Nd4j.exec(new SelectiveScanBp(new INDArray[]{u, delta, a, b, c, forward[2], u.reshape(2, 6, 5),
                        state}, options)),
                "dy", "[2, 6, 5]", "expected [2, 5, 6]");
    }

    @Test
    void badConfig() {
        rejects(() -> config.withCheckpointInterval(0), "checkpointInterval", "at least 1", "got 0");
    }
}
