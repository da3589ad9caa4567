package org.ssm4j.experiments.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;
import org.ssm4j.experiments.domains.ByteLanguageModelTask;
import org.ssm4j.experiments.domains.StandardDataset;
import org.ssm4j.experiments.train.TaskContext;
import org.ssm4j.experiments.train.TrainingTask;

import static org.ssm4j.experiments.config.ConfigChecks.positive;

/**
 * Byte-level language modelling on a text corpus ({@link ByteLanguageModelTask}): predict
 * each next byte; the loss in nats per byte divided by ln 2 is bits per byte.
 *
 * @param name     always {@value #NAME}
 * @param length   bytes per training window (the context length)
 * @param dataset  the corpus: {@code tinyshakespeare} or {@code moby-dick}
 * @param dataDir  {@code data_dir}: the folder holding the corpus' folder, or null for the
 *                 default lookup ({@code ../shared/datasets} from the repository root, see
 *                 {@link org.ssm4j.experiments.domains.DataDirectories})
 * @param cacheDir {@code cache_dir}: where the prepared Arrow files go, or null for the run
 *                 directory's {@code data/}
 */
public record ByteLanguageModelConfig(String name, int length, String dataset, @Nullable String dataDir,
                                      @Nullable String cacheDir) implements TaskConfig {

    /** The config's {@code name} value. */
    public static final String NAME = "byte_lm";

    public ByteLanguageModelConfig {
        if (!NAME.equals(name)) {
            throw new IllegalArgumentException("ByteLanguageModelConfig needs name '" + NAME + "', got '" + name + "'");
        }
        positive("task.length", length);
        StandardDataset.named(dataset, StandardDataset.Kind.TEXT, "task.dataset");
    }

    @JsonCreator
    static ByteLanguageModelConfig fromYaml(@JsonProperty(value = "name", required = true) String name,
                                            @JsonProperty(value = "length", required = true) int length,
                                            @JsonProperty(value = "dataset", required = true) String dataset,
                                            @JsonProperty("data_dir") String dataDir,
                                            @JsonProperty("cache_dir") String cacheDir) {
        return new ByteLanguageModelConfig(name, length, dataset, dataDir, cacheDir);
    }

    /** The corpus. */
    public StandardDataset corpus() {
        return StandardDataset.named(dataset, StandardDataset.Kind.TEXT, "task.dataset");
    }

    @Override
    public String vocabularyDescription() {
        return "256 byte values";
    }

    @Override
    public TaskConfig withLength(int newLength) {
        return new ByteLanguageModelConfig(name, newLength, dataset, dataDir, cacheDir);
    }

    @Override
    public TrainingTask open(TaskContext context) {
        return ByteLanguageModelTask.open(this, context);
    }
}
