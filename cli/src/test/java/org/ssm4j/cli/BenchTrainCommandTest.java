package org.ssm4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ssm4j.cli.CliRun.run;

/** {@code ./mamba bench train}: the figures on stdout, bad settings as usage errors. */
class BenchTrainCommandTest {

    private static final String[] TINY = {"bench", "train", "--layers", "1", "--d-model", "16", "--vocab", "11",
            "--batch", "1", "--length", "8", "--steps", "1"};

    @Test
    void printsTheStepAndItsOps() throws Exception {
        CliRun table = run(TINY);
        assertEquals(0, table.exitCode(), table.err());
        assertTrue(table.out().startsWith("training step: 1 layers, d_model 16, vocabulary 11, batch 1 x 8 tokens"), table.out());
        assertTrue(table.out().contains("| step, median of 1"), table.out());
        assertTrue(table.err().contains("profiled step 1:"), table.err());

        String[] json = java.util.Arrays.copyOf(TINY, TINY.length + 1);
        json[TINY.length] = "--json";
        JsonNode figures = run(json).json();
        assertEquals(8, figures.get("length").asInt());
        boolean scan = false;
        for (JsonNode op : figures.get("ops")) {
            scan |= op.get("op").asText().equals("selective_scan") && op.get("calls_per_step").asInt() == 1;
        }
        assertTrue(scan, figures.toString());
    }

    @Test
    void badSettingsAreUsageErrorsNamingThem() {
        CliRun run = run("bench", "train", "--length", "1");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("length 1"), run.err());
    }
}
