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

/**
 * Image classification from a sequence of pixels or patches
 * ({@link org.ssm4j.experiments.domains.ImageSequences}); the length follows from the image
 * size and the patch: 784 for MNIST's pixels, 49 for its 4 x 4 patches.
 *
 * @param name     always {@value #NAME}
 * @param dataset  {@code mnist} or {@code fashion-mnist}
 * @param patch    patch side in pixels (default 1: the pixel sequence); must divide the image
 *                 sides
 * @param pooling  {@code mean} (default) or {@code last}: how positions are pooled
 * @param dataDir  {@code data_dir}: the folder holding the dataset's folder, or null for the
 *                 default lookup
 * @param cacheDir {@code cache_dir}: where the prepared Arrow files go, or null for the run
 *                 directory's {@code data/}
 */
public record ImageClassificationConfig(String name, String dataset, int patch, String pooling, @Nullable String dataDir,
                                        @Nullable String cacheDir) implements TaskConfig {

    /** The config's {@code name} value. */
    public static final String NAME = "image_classification";

    public ImageClassificationConfig {
        if (!NAME.equals(name)) {
            throw new IllegalArgumentException("ImageClassificationConfig needs name '" + NAME + "', got '" + name + "'");
        }
        StandardDataset images = StandardDataset.named(dataset, StandardDataset.Kind.IMAGES, "task.dataset");
        if (patch < 1 || images.rows() % patch != 0 || images.cols() % patch != 0) {
            throw new IllegalArgumentException("task.patch must divide the " + images.rows() + " x " + images.cols()
                    + " images of " + dataset + ", got " + patch);
        }
        Pooling.named(pooling, "task.pooling");
    }

    @JsonCreator
    static ImageClassificationConfig fromYaml(@JsonProperty(value = "name", required = true) String name,
                                              @JsonProperty(value = "dataset", required = true) String dataset,
                                              @JsonProperty("patch") Integer patch,
                                              @JsonProperty("pooling") String pooling,
                                              @JsonProperty("data_dir") String dataDir,
                                              @JsonProperty("cache_dir") String cacheDir) {
        return new ImageClassificationConfig(name, dataset, orDefault(patch, 1), orDefault(pooling, Pooling.MEAN.configName()),
                dataDir, cacheDir);
    }

    /** The dataset. */
    public StandardDataset images() {
        return StandardDataset.named(dataset, StandardDataset.Kind.IMAGES, "task.dataset");
    }

    @Override
    public int length() {
        StandardDataset images = images();
        return images.rows() / patch * (images.cols() / patch);
    }

    @Override
    public String vocabularyDescription() {
        return images().classes() + " classes, " + patch * patch + " value" + (patch == 1 ? "" : "s") + " per position";
    }

    @Override
    public TaskConfig withLength(int newLength) {
        if (newLength != length()) {
            throw new IllegalArgumentException(NAME + " sequences have length " + length() + ", fixed by the image size and patch "
                    + patch + "; got " + newLength);
        }
        return this;
    }

    @Override
    public TrainingTask open(TaskContext context) {
        return ClassificationTasks.images(this, context);
    }
}
