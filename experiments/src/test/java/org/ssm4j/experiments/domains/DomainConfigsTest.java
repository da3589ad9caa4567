package org.ssm4j.experiments.domains;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ssm4j.experiments.config.AudioClassificationConfig;
import org.ssm4j.experiments.config.ByteLanguageModelConfig;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.config.ExperimentConfig;
import org.ssm4j.experiments.config.ImageClassificationConfig;
import org.ssm4j.experiments.config.SsmConfig;
import org.ssm4j.experiments.models.SequenceModels;
import org.ssm4j.experiments.train.TaskContext;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped domain configs, the domain tasks' config keys and their errors. */
class DomainConfigsTest {

    private static final String TRAIN = "train: {steps: 1, batch_size: 1, lr: 1.0e-3, eval_every: 1, seed: 1}\n";
    private static final String MODEL = "model: {type: transformer, d_model: 8, n_layers: 1, n_heads: 2}\n";

    @ParameterizedTest
    @ValueSource(strings = {"shakespeare-bytes", "moby-dick-bytes", "smnist-pixels", "mnist-patches", "fashion-mnist-patches",
            "fsdd-raw"})
    void shippedConfigsParseAndWriteBackUnchanged(String name) throws Exception {
        Path file = Path.of("configs", name + ".yaml");
        ExperimentConfig config = ConfigLoader.load(file);
        assertEquals(name, config.name());
        assertTrue(config.models().size() >= 2, "a comparison");
        assertEquals(config, ConfigLoader.parse(ConfigLoader.toYaml(config), "round trip"));
        assertEquals(config, ConfigLoader.fromJson(ConfigLoader.json().writeValueAsString(config), "json"));
    }

    @Test
    void taskLengthsFollowFromTheDataViews() {
        ImageClassificationConfig pixels = assertInstanceOf(ImageClassificationConfig.class,
                parse("task: {name: image_classification, dataset: fashion-mnist}\n").task());
        assertEquals(784, pixels.length());
        assertEquals("mean", pixels.pooling());
        ImageClassificationConfig patches = assertInstanceOf(ImageClassificationConfig.class,
                parse("task: {name: image_classification, dataset: mnist, patch: 4, pooling: last}\n").task());
        assertEquals(49, patches.length());
        assertEquals(49, parse("task: {name: image_classification, dataset: mnist, patch: 4}\n").eval().lengths().getFirst());
        AudioClassificationConfig audio = assertInstanceOf(AudioClassificationConfig.class,
                parse("task: {name: audio_classification, dataset: fsdd}\n").task());
        assertEquals(8192 / 32, audio.length());
        assertEquals("10 classes, 32 samples per position", audio.vocabularyDescription());
        ByteLanguageModelConfig lm = assertInstanceOf(ByteLanguageModelConfig.class,
                parse("task: {name: byte_lm, dataset: moby-dick, length: 128}\n").task());
        assertEquals(512, lm.withLength(512).length());
        assertThrows(IllegalArgumentException.class, () -> patches.withLength(50));
    }

    @Test
    void badValuesNameTheKeyAndWhatIsAllowed() {
        assertMessage("task: {name: image_classification, dataset: cifar}\n",
                "task.dataset must be one of [mnist, fashion-mnist], got 'cifar'");
        assertMessage("task: {name: byte_lm, dataset: mnist, length: 8}\n",
                "task.dataset must be one of [tinyshakespeare, moby-dick], got 'mnist'");
        assertMessage("task: {name: image_classification, dataset: mnist, patch: 5}\n",
                "task.patch must divide the 28 x 28 images of mnist, got 5");
        assertMessage("task: {name: audio_classification, dataset: fsdd, clip_samples: 1000, frame: 32}\n",
                "task.frame must divide task.clip_samples = 1000, got 32");
        assertMessage("task: {name: audio_classification, dataset: fsdd, pooling: max}\n",
                "task.pooling must be one of [mean, last], got 'max'");
        assertMessage("task: {name: byte_lm, dataset: tinyshakespeare, length: 8, window: 3}\n", "unknown key 'window' in task");
        assertMessage("task: {name: speech, dataset: fsdd}\n", "unknown name 'speech'");
        assertMessage("task: {name: byte_lm, dataset: tinyshakespeare, length: 8}\nsweep: {lengths: [64, 32]}\n",
                "sweep.lengths must be positive and ascending, got [64, 32]");
    }

    @Test
    void bidirectionalModelsAreForClassificationOnly() {
        SsmConfig bi = assertInstanceOf(SsmConfig.class, ConfigLoader.parse("name: t\nmodel: {type: mamba, d_model: 8, n_layers: 1, "
                + "bidirectional: true}\ntask: {name: induction_heads, length: 8}\n" + TRAIN, "t").singleModel());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SequenceModels.create(bi, 16, 1));
        assertTrue(e.getMessage().contains("bidirectional"), e.getMessage());
    }

    @Test
    void aMissingDatasetNamesThePathLookedAt(@TempDir Path empty) throws Exception {
        ExperimentConfig config = parse("task: {name: byte_lm, dataset: tinyshakespeare, length: 8, data_dir: '" + empty + "'}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> config.task().open(TaskContext.of(config, empty.resolve("run"))));
        assertTrue(e.getMessage().contains(empty.resolve("tinyshakespeare").resolve("input.txt").toString()), e.getMessage());
        IllegalArgumentException noDir = assertThrows(IllegalArgumentException.class,
                () -> DataDirectories.dataDirectory(empty.resolve("nowhere").toString()));
        assertTrue(noDir.getMessage().contains("is not a directory"), noDir.getMessage());
        Files.createDirectories(empty.resolve("run"));
        assertEquals(empty.resolve("run").resolve("data").resolve("mnist"),
                DataDirectories.preparedDirectory(null, empty.resolve("run"), StandardDataset.MNIST));
    }

    private static ExperimentConfig parse(String task) {
        return ConfigLoader.parse("name: t\n" + MODEL + task + TRAIN, "t.yaml");
    }

    private static void assertMessage(String task, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(task));
        assertTrue(e.getMessage().startsWith("t.yaml: ") && e.getMessage().contains(expected), e.getMessage());
    }
}
