package org.ssm4j.experiments.domains;

import org.ssm4j.datasets.audio.AudioDataset;
import org.ssm4j.datasets.audio.WavConverter;
import org.ssm4j.datasets.image.IdxConverter;
import org.ssm4j.datasets.image.ImageDataset;
import org.ssm4j.experiments.classify.ClassificationTask;
import org.ssm4j.experiments.classify.LabelledSequences;
import org.ssm4j.experiments.classify.Pooling;
import org.ssm4j.experiments.config.AudioClassificationConfig;
import org.ssm4j.experiments.config.ImageClassificationConfig;
import org.ssm4j.experiments.train.TaskContext;

import java.nio.file.Path;
import java.util.function.Function;

/** Opens the image and audio classification tasks: prepares the data if needed, opens both splits. */
public final class ClassificationTasks {
    private ClassificationTasks() {
    }

    /** MNIST or Fashion-MNIST as sequences of pixels or patches. */
    public static ClassificationTask images(ImageClassificationConfig config, TaskContext context) {
        StandardDataset dataset = config.images();
        Path dir = PreparedData.prepare(dataset, DataDirectories.dataDirectory(config.dataDir()),
                DataDirectories.preparedDirectory(config.cacheDir(), context.runDir(), dataset));
        return open(dir, IdxConverter.TRAIN_FILE, IdxConverter.TEST_FILE,
                file -> new ImageSequences(ImageDataset.open(file), config.patch(), dataset.classes()),
                Pooling.named(config.pooling(), "task.pooling"), context);
    }

    /** FSDD recordings as sequences of frames, official split (takes 0–4 are the test set). */
    public static ClassificationTask audio(AudioClassificationConfig config, TaskContext context) {
        StandardDataset dataset = config.recordings();
        Path dir = PreparedData.prepare(dataset, DataDirectories.dataDirectory(config.dataDir()),
                DataDirectories.preparedDirectory(config.cacheDir(), context.runDir(), dataset));
        return open(dir, WavConverter.TRAIN_FILE, WavConverter.TEST_FILE,
                file -> new AudioSequences(AudioDataset.open(file), config.clipSamples(), config.frame(), dataset.classes()),
                Pooling.named(config.pooling(), "task.pooling"), context);
    }

    private static ClassificationTask open(Path dir, String trainFile, String testFile,
                                           Function<Path, LabelledSequences> reader, Pooling pooling, TaskContext context) {
        LabelledSequences train = reader.apply(dir.resolve(trainFile));
        LabelledSequences test = null;
        try {
            test = reader.apply(dir.resolve(testFile));
            return new ClassificationTask(train, test, pooling, context);
        } catch (RuntimeException e) {
            train.close();
            if (test != null) {
                test.close();
            }
            throw e;
        }
    }
}
