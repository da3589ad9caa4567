package org.ssm4j.experiments.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {

    private static final String VALID = """
            name: demo
            model: {type: transformer, d_model: 32, n_layers: 2}
            task: {name: selective_copying, length: 64}
            train: {steps: 10, batch_size: 4, lr: 1e-3, eval_every: 5, seed: 1}
            """;

    @Test
    void fillsDefaults() {
        ExperimentConfig c = ConfigLoader.parse(VALID, "demo.yaml");
        TransformerConfig model = assertInstanceOf(TransformerConfig.class, c.singleModel());
        assertEquals(4, model.nHeads());
        assertEquals(128, model.dFf());
        assertTrue(model.tiedHead());
        SelectiveCopyingConfig task = assertInstanceOf(SelectiveCopyingConfig.class, c.task());
        assertEquals(16, task.vocabSize());
        assertEquals(16, task.dataTokens());
        assertEquals(1e-3, c.train().lr());
        assertEquals(1, c.train().accumulate());
        assertEquals(5, c.train().checkpointEvery(), "checkpoint_every defaults to eval_every");
        assertEquals(1.0, c.train().clip());
        assertEquals(EarlyStopConfig.OFF, c.train().earlyStop());
        assertEquals(1, c.train().threads());
        assertEquals(List.of(64), c.eval().lengths(), "final evaluation defaults to the training length");
    }

    @Test
    void resolvedConfigsRoundTripThroughYamlAndJson() {
        ExperimentConfig c = ConfigLoader.parse("""
                name: both
                models:
                  - {type: transformer, name: attn, d_model: 16, n_layers: 1, n_heads: 2, tied_head: false}
                  - {type: lti, d_model: 16, n_layers: 2, d_state: 8}
                task: {name: induction_heads, length: 32, vocab_size: 12}
                train: {steps: 3, batch_size: 2, accumulate: 2, lr: 0.01, min_lr: 0.001, warmup: 1, eval_every: 1, seed: 5,
                        early_stop: {patience: 3, min_delta: 0.01, target_accuracy: 0.99}}
                eval: {samples: 8, lengths: [16, 64]}
                """, "both.yaml");
        assertEquals(c, ConfigLoader.parse(ConfigLoader.toYaml(c), "round trip"));
        assertEquals(c, ConfigLoader.fromJson(ConfigLoader.json().valueToTree(c).toString(), "json"));
        SsmConfig lti = assertInstanceOf(SsmConfig.class, c.models().get(1));
        assertFalse(lti.selective());
        assertEquals("lti", lti.name());
        assertEquals(1, lti.resolvedDtRank());
    }

    @Test
    void everyShippedConfigLoads() throws IOException {
        Path dir = Path.of("configs");
        assertTrue(Files.isDirectory(dir), "experiments/configs exists");
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> yaml = files.filter(f -> f.toString().endsWith(".yaml")).toList();
            assertFalse(yaml.isEmpty());
            for (Path f : yaml) {
                ConfigLoader.load(f);
            }
        }
        assertEquals(2, ConfigLoader.defaultExperiment().models().size(), "the built-in default trains Mamba and the LTI baseline");
    }

    @Test
    void unknownKeysAreErrorsNamingTheKeySectionAndFile() {
        IllegalArgumentException e = error(VALID.replace("eval_every: 5", "eval_every: 5, lrr: 2"));
        assertTrue(e.getMessage().startsWith("bad.yaml: unknown key 'lrr' in train"), e.getMessage());
        assertTrue(e.getMessage().contains("line 4"), e.getMessage());
        assertTrue(e.getMessage().contains("batch_size"), "lists the allowed keys: " + e.getMessage());

        e = error(VALID.replace("d_model: 32", "d_model: 32, d_state: 4"));
        assertTrue(e.getMessage().contains("unknown key 'd_state' in model"), e.getMessage());

        e = error(VALID + "extra: 1\n");
        assertTrue(e.getMessage().contains("unknown key 'extra' at the top level"), e.getMessage());

        e = error(VALID.replace("length: 64}", "length: 64, data_tokens: 4}").replace("selective_copying", "induction_heads"));
        assertTrue(e.getMessage().contains("unknown key 'data_tokens' in task"), e.getMessage());
    }

    @Test
    void missingWrongAndOutOfRangeValuesAreNamed() {
        assertMessage(VALID.replace("lr: 1e-3, ", ""), "bad.yaml: missing key 'lr' in train");
        assertMessage(VALID.replace("steps: 10", "steps: ten"), "bad.yaml: train.steps must be an integer, got 'ten'");
        assertMessage(VALID.replace("steps: 10", "steps: 1.5"), "train.steps");
        assertMessage(VALID.replace("lr: 1e-3", "lr: -1"), "bad.yaml: train.lr must be a finite number > 0, got -1.0");
        assertMessage(VALID.replace("length: 64", "length: 20"), "task.length must be >= 2 * data_tokens = 32 for selective_copying, got 20");
        assertMessage(VALID.replace("d_model: 32", "d_model: 30"), "model.d_model must be n_heads times an even head width");
        assertMessage(VALID.replace("type: transformer", "type: rnn"), "bad.yaml: unknown type 'rnn' in model");
        assertMessage(VALID.replace("type: transformer", "type: lti, dt_rank: 2"), "model.dt_rank: a 'lti' model has no Δ projection");
        assertMessage(VALID.replace("type: transformer, ", ""), "bad.yaml: model needs a 'type' key");
        assertMessage(VALID.replace("selective_copying", "copying"), "bad.yaml: unknown name 'copying' in task");
        assertMessage(VALID.replace("steps: 10", "steps: 10, steps: 11"), "Duplicate field 'steps'");
        assertMessage(VALID + "models: []\n", "give exactly one of 'model'");
        assertMessage("name: x\nmodel: [1\n", "bad.yaml: not valid YAML");
        assertMessage("", "bad.yaml: the config is empty");
        assertMessage(VALID.replace("model: {type: transformer, d_model: 32, n_layers: 2}",
                "models: [{type: transformer, d_model: 32, n_layers: 2}, {type: transformer, d_model: 16, n_layers: 1}]"),
                "two models are named 'transformer'");
    }

    @Test
    void aMissingFileIsNamed(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigLoader.load(dir.resolve("nope.yaml")));
        assertTrue(e.getMessage().contains("nope.yaml does not exist"), e.getMessage());
    }

    @Test
    void trainTakesOneModel() {
        ExperimentConfig c = ConfigLoader.parse(VALID.replace("model: {type: transformer, d_model: 32, n_layers: 2}",
                "models: [{type: transformer, d_model: 32, n_layers: 2}, {type: mamba, d_model: 16, n_layers: 1}]"), "two.yaml");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c::singleModel);
        assertTrue(e.getMessage().contains("[transformer, mamba]"), e.getMessage());
    }

    private static void assertMessage(String yaml, String expected) {
        IllegalArgumentException e = error(yaml);
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }

    private static IllegalArgumentException error(String yaml) {
        return assertThrows(IllegalArgumentException.class, () -> ConfigLoader.parse(yaml, "bad.yaml"));
    }
}
