package org.ssm4j.experiments.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;
import org.ssm4j.experiments.classify.Pooling;
import org.ssm4j.experiments.domains.ClassificationTasks;
import org.ssm4j.experiments.domains.StandardDataset;
import org.ssm4j.experiments.train.TaskContext;
import org.ssm4j.experiments.train.TrainingTask;

import static org.ssm4j.experiments.config.ConfigChecks.orDefault;
import static org.ssm4j.experiments.config.ConfigChecks.positive;

/**
 * Classification of raw recordings, as sequences of frames of samples
 * ({@link org.ssm4j.experiments.domains.AudioSequences}); the length is
 * {@code clip_samples / frame}.
 *
 * @param name        always {@value #NAME}
 * @param dataset     {@code fsdd}
 * @param clipSamples {@code clip_samples}: samples per clip; recordings are centre-cropped or
 *                    zero-padded to it (default 8192: 1.02 s at 8 kHz, longer than 99.7% of
 *                    FSDD's recordings)
 * @param frame       samples per position (default 32); must divide {@code clip_samples}
 * @param pooling     {@code mean} (default) or {@code last}
 * @param dataDir     {@code data_dir}: the folder holding the dataset's folder, or null for the
 *                    default lookup
 * @param cacheDir    {@code cache_dir}: where the prepared Arrow files go, or null for the run
 *                    directory's {@code data/}
 */
public record AudioClassificationConfig(String name, String dataset, int clipSamples, int frame, String pooling,
                                        @Nullable String dataDir, @Nullable String cacheDir) implements TaskConfig {

    /** The config's {@code name} value. */
    public static final String NAME = "audio_classification";

    public AudioClassificationConfig {
        if (!NAME.equals(name)) {
            throw new IllegalArgumentException("AudioClassificationConfig needs name '" + NAME + "', got '" + name + "'");
        }
        StandardDataset.named(dataset, StandardDataset.Kind.AUDIO, "task.dataset");
        positive("task.clip_samples", clipSamples);
        positive("task.frame", frame);
        if (clipSamples % frame != 0) {
            throw new IllegalArgumentException("task.frame must divide task.clip_samples = " + clipSamples + ", got " + frame);
        }
        Pooling.named(pooling, "task.pooling");
    }

    @JsonCreator
    static AudioClassificationConfig fromYaml(@JsonProperty(value = "name", required = true) String name,
                                              @JsonProperty(value = "dataset", required = true) String dataset,
                                              @JsonProperty("clip_samples") Integer clipSamples,
                                              @JsonProperty("frame") Integer frame,
                                              @JsonProperty("pooling") String pooling,
                                              @JsonProperty("data_dir") String dataDir,
                                              @JsonProperty("cache_dir") String cacheDir) {
        return new AudioClassificationConfig(name, dataset, orDefault(clipSamples, 8192), orDefault(frame, 32),
                orDefault(pooling, Pooling.MEAN.configName()), dataDir, cacheDir);
    }

    /** The dataset. */
    public StandardDataset recordings() {
        return StandardDataset.named(dataset, StandardDataset.Kind.AUDIO, "task.dataset");
    }

    @Override
    public int length() {
        return clipSamples / frame;
    }

    @Override
    public String vocabularyDescription() {
        return recordings().classes() + " classes, " + frame + " samples per position";
    }

    @Override
    public TaskConfig withLength(int newLength) {
        if (newLength != length()) {
            throw new IllegalArgumentException(NAME + " sequences have length " + length() + " = clip_samples / frame; got "
                    + newLength);
        }
        return this;
    }

    @Override
    public TrainingTask open(TaskContext context) {
        return ClassificationTasks.audio(this, context);
    }
}
