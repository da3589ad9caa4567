package org.ssm4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ssm4j.experiments.eval.EvalResult;
import org.ssm4j.experiments.report.RunSummary;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ssm4j.cli.CliRun.run;

class ExperimentCommandsTest {

    private static final String CONFIG = """
            name: cli-demo
            model: {type: transformer, d_model: 16, n_layers: 1, n_heads: 2}
            task: {name: induction_heads, length: 12}
            train: {steps: 4, batch_size: 4, lr: 1.0e-3, eval_every: 2, seed: 3}
            eval: {samples: 8, batch_size: 4, lengths: [12, 24]}
            """;

    @TempDir
    Path temp;

    @Test
    void everyExperimentCommandExplainsItself() {
        for (String command : new String[]{"train", "eval", "compare"}) {
            CliRun help = run(command, "--help");
            assertEquals(0, help.exitCode(), command);
            assertTrue(help.out().startsWith("Usage: mamba " + command), help.out());
        }
        assertTrue(run("train", "--help").out().contains("--resume"));
        assertTrue(run("eval", "--help").out().contains("--json"));
        assertTrue(run("compare", "--help").out().contains("--out"));
    }

    /**
     * train, then eval with the training seed: the same fixed sequences, so the same numbers as
     * the run's own evaluation; for the Transformer and the LTI baseline.
     */
    @ParameterizedTest
    @ValueSource(strings = {"type: transformer, d_model: 16, n_layers: 1, n_heads: 2", "type: lti, d_model: 16, n_layers: 1"})
    void trainThenEvalTheCheckpointAtAnotherLength(String model) throws IOException {
        Path config = Files.writeString(temp.resolve("demo.yaml"),
                CONFIG.replace("type: transformer, d_model: 16, n_layers: 1, n_heads: 2", model));
        Path out = temp.resolve("run");
        CliRun train = run("train", "--config", config.toString(), "--out", out.toString());
        assertEquals(0, train.exitCode(), train.err());
        assertTrue(train.out().contains("length  accuracy"), train.out());
        assertTrue(train.out().contains("report: " + out.resolve("report.md")), train.out());

        CliRun eval = run("eval", "--model", out.resolve("checkpoint.safetensors").toString(), "--task", "induction_heads",
                "--length", "24", "--samples", "8", "--seed", "3", "--batch-size", "4", "--json");
        assertEquals(0, eval.exitCode(), eval.err());
        JsonNode json = eval.json();
        EvalResult expected = RunSummary.read(out).evaluations().get(1);
        assertEquals(24, json.get("length").asInt());
        assertEquals(8, json.get("samples").asInt());
        assertEquals(expected.accuracy(), json.get("accuracy").asDouble());
        assertEquals(expected.loss(), json.get("loss").asDouble());
        assertEquals(4, json.size(), eval.out());

        CliRun text = run("eval", "--model", out.resolve("checkpoint.safetensors").toString(), "--task", "induction_heads",
                "--length", "24", "--samples", "8", "--seed", "3");
        assertTrue(text.out().startsWith("accuracy "), text.out());
    }

    @Test
    void mistakesAreOneLineErrors() throws IOException {
        Path bad = Files.writeString(temp.resolve("bad.yaml"), CONFIG.replace("seed: 3", "seed: 3, sed: 4"));
        CliRun train = run("train", "--config", bad.toString(), "--out", temp.resolve("x").toString());
        assertEquals(1, train.exitCode());
        assertTrue(train.err().startsWith("error: " + bad + ": unknown key 'sed' in train"), train.err());

        CliRun eval = run("eval", "--model", temp.resolve("missing.safetensors").toString(), "--task", "induction_heads", "--length", "8");
        assertEquals(1, eval.exitCode());
        assertTrue(eval.err().contains("missing.safetensors does not exist"), eval.err());

        CliRun compare = run("compare", "--config", temp.resolve("none.yaml").toString());
        assertEquals(1, compare.exitCode());
        assertTrue(compare.err().contains("none.yaml does not exist"), compare.err());
    }
}
