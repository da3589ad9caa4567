package org.ssm4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.ops.SsmOps;
import org.ssm4j.ops.scan.SelectiveScanConfig;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scan benchmark on a tiny shape: its stock version computes the same scan, and it reports what it promises. */
class ScanBenchTest {

    private static final ScanShape TINY = new ScanShape(2, 24, 4, 9);

    /** The stock-SameDiff scan is the same function as the op (else comparing their speed would mean nothing). */
    @Test
    void stockVersionComputesTheSameScan() {
        ScanProblem p = ScanProblem.random(TINY, 3);
        INDArray expected = SsmOps.selectiveScan(p.u(), p.delta(), p.a(), p.b(), p.c(), p.d(), p.z(), p.deltaBias(),
                null, SelectiveScanConfig.defaults()).y();
        INDArray stock = new StockScan(p).output();
        double err = stock.sub(expected).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
        assertTrue(err < 1e-5, "relative error " + err);
        Map<String, INDArray> gradients = new StockScan(p).gradients();
        assertEquals(8, gradients.size());
        assertTrue(gradients.get("A").equalShapes(p.a()));
    }

    @Test
    void reportsTimesAndMemoryAsOneJsonObject() throws Exception {
        ScanBenchResult result = ScanBench.run(new ScanBench.Options(TINY, 2, 1, false, 1L << 20));
        JsonNode json = new ObjectMapper().readTree(result.toJson());
        assertTrue(json.get("fwd_ns_per_element").asDouble() > 0);
        assertTrue(json.get("bwd_ns_per_element").asDouble() > 0);
        // y, du, ddelta, dz (2 x 9 x 24); last state, checkpoints (2 x 24 x 4); dA (24 x 4); dB, dC (2 x 9 x 4); dD, d(delta_bias)
        long outputs = Float.BYTES * (4L * 2 * 9 * 24 + 2 * 2 * 24 * 4 + 24 * 4 + 2 * 2 * 9 * 4 + 2 * 24);
        assertEquals(outputs, json.get("native_bytes").asLong(), "bytes of the arrays the ops allocate");
        assertTrue(json.get("peak_bytes").asLong() >= outputs);
        assertTrue(json.get("heap_bytes").asLong() > 0);
        // The OS counts CPU time in ticks of several milliseconds: a call this small may count zero.
        assertTrue(json.get("fwd_cpu_ns_per_element").asDouble() >= 0 && json.has("bwd_cpu_ns_per_element"));
        assertTrue(result.toText().contains("forward : "));
    }

    @Test
    void stockFiguresAndRatios() throws Exception {
        ScanBenchResult result = new ScanBenchResult(TINY, 2, 5, 1.0, 0.9, 2.0, 1.8, 1.9, 3.8, 500, 300, 200,
                new ScanBenchResult.Stock(30.0, 80.0, 5000, 3), null, 1.5);
        JsonNode json = new ObjectMapper().readTree(result.toJson());
        assertEquals(30.0, json.get("stock_fwd_speed_ratio").asDouble());
        assertEquals(40.0, json.get("stock_bwd_speed_ratio").asDouble());
        assertEquals(10.0, json.get("stock_memory_ratio").asDouble());
        assertTrue(result.toText().contains("stock SameDiff: forward 30.000 ns/element (30.0x slower)"), result.toText());
    }

    @Test
    void skipsTheStockVersionWhenItsTensorsWouldNotFit() {
        assertEquals(null, ScanBench.stockSkipReason(TINY, 1L << 20));
        String reason = ScanBench.stockSkipReason(new ScanShape(8, 1536, 16, 2048), 512L << 20);
        assertEquals("one materialised (batch, length, channels, state) tensor would take 1536.0 MiB, more than the "
                + "limit of 512.0 MiB", reason);
    }
}
