package org.ssm4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The training-step benchmark on a tiny model: it times real steps and splits them by op. */
class TrainStepBenchmarkTest {

    private static final TrainStepBenchmark.Settings TINY = new TrainStepBenchmark.Settings(2, 16, 11, 2, 8, 2, 1, 3);

    @Test
    void splitsAStepByOp() {
        TrainStepBenchmark.Result result = TrainStepBenchmark.run(TINY, line -> { });
        // A fresh model this narrow predicts about uniformly: the loss is near ln(vocabulary).
        assertEquals(Math.log(11), result.firstLoss(), 0.2);
        assertTrue(result.stepMillis() > 0 && result.minStepMillis() <= result.stepMillis(), result.toString());
        assertEquals("cpu", result.scanDevice());
        assertEquals(TINY.tokens() / (result.stepMillis() / 1000), result.tokensPerSecond(), 1e-9);
        Map<String, TrainStepBenchmark.OpShare> ops = result.ops().stream()
                .collect(Collectors.toMap(TrainStepBenchmark.OpShare::op, op -> op));
        // One scan and one conv per layer, forward and backward.
        for (String op : new String[]{"selective_scan", "selective_scan_bp", "causal_conv1d", "causal_conv1d_bp"}) {
            assertEquals(TINY.layers(), ops.get(op).callsPerStep(), op);
            assertTrue(ops.get(op).millisPerStep() > 0, op);
        }
        assertEquals(result.millisOf("selective_scan"),
                ops.get("selective_scan").millisPerStep() + ops.get("selective_scan_bp").millisPerStep(), 1e-9);
        double opSum = result.ops().stream().mapToDouble(TrainStepBenchmark.OpShare::millisPerStep).sum();
        assertTrue(opSum <= result.profiledStepMillis(), opSum + " ms of ops in a " + result.profiledStepMillis() + " ms step");
        for (int i = 1; i < result.ops().size(); i++) {
            assertTrue(result.ops().get(i - 1).millisPerStep() >= result.ops().get(i).millisPerStep(), "the most time first");
        }
        assertTrue(result.toText().contains("| selective_scan_bp (2 per step) |")
                || result.toText().contains("other op names"), result.toText());
        JsonNode json = result.toJson();
        assertEquals(2, json.get("layers").asInt());
        assertEquals(result.ops().size(), json.get("ops").size());
        assertTrue(json.get("tokens_per_second").asDouble() > 0);
    }

    @Test
    void rejectsImpossibleSettingsNamingThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TrainStepBenchmark.Settings(2, 16, 11, 2, 1, 2, 1, 3));
        assertTrue(e.getMessage().contains("length 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TrainStepBenchmark.Settings(2, 16, 11, 2, 8, 2, 0, 3));
        assertTrue(e.getMessage().contains("warmup 0"), e.getMessage());
    }

    @Test
    void opTimesAddUpByNameTheMostFirst() {
        OpTimes times = new OpTimes();
        times.add("matmul", 5);
        times.add("selective_scan", 3);
        times.add("matmul", 4);
        assertEquals(java.util.List.of(new OpTimes.Total("matmul", 2, 9), new OpTimes.Total("selective_scan", 1, 3)),
                times.totals());
    }
}
