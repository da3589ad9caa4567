package org.ssm4j.experiments.domains;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.ssm4j.datasets.DatasetCard;
import org.ssm4j.datasets.ProgressListener;
import org.ssm4j.datasets.Provenance;
import org.ssm4j.datasets.audio.WavConverter;
import org.ssm4j.datasets.audio.WavPreparation;
import org.ssm4j.datasets.image.IdxConverter;
import org.ssm4j.datasets.image.IdxPreparation;
import org.ssm4j.datasets.text.TextConverter;
import org.ssm4j.datasets.text.TextPreparation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The Arrow files of a {@link StandardDataset}, converted from its raw files by the
 * {@code datasets} converters the first time they are needed and reused afterwards.
 *
 * <p>A prepared directory is reused when its {@code dataset-card.json} (which the converters
 * write last, after every Arrow file is in place) lists input files that all lie in the raw
 * dataset's folder and still have the recorded sizes; otherwise it is converted again.
 * Text becomes byte tokens with the last 10% as {@code validation.arrow}; images and audio
 * keep their official {@code train.arrow} / {@code test.arrow} split (FSDD: takes 0–4 are the
 * test set), audio at its original sample rate.
 */
public final class PreparedData {

    private static final Logger LOG = LoggerFactory.getLogger(PreparedData.class);

    private PreparedData() {
    }

    /**
     * The prepared directory of {@code dataset}, converting it first if needed.
     *
     * @param dataDir     the data directory holding the raw dataset's folder
     * @param preparedDir where the Arrow files are (or go)
     * @throws IllegalArgumentException if the raw dataset is missing
     */
    public static Path prepare(StandardDataset dataset, Path dataDir, Path preparedDir) {
        Path source = dataDir.resolve(dataset.folder()).resolve(dataset.input()).normalize();
        if (!Files.exists(source)) {
            throw new IllegalArgumentException("dataset " + dataset.folder() + " not found: " + source
                    + " does not exist (data directory " + dataDir + ")");
        }
        if (isPreparedFrom(preparedDir, dataDir.resolve(dataset.folder()))) {
            return preparedDir;
        }
        LOG.info("preparing {} from {} into {}", dataset.folder(), source, preparedDir);
        Provenance provenance = new Provenance("ssm4j experiments: " + dataset.folder() + " prepared from " + source,
                dataset.license());
        switch (dataset.kind()) {
            case TEXT -> TextConverter.convert(TextPreparation.of(List.of(source), preparedDir, null, provenance),
                    ProgressListener.NONE);
            case IMAGES -> IdxConverter.convert(IdxPreparation.of(source, preparedDir, provenance), ProgressListener.NONE);
            case AUDIO -> WavConverter.convert(WavPreparation.of(source, preparedDir, provenance), ProgressListener.NONE);
        }
        return preparedDir;
    }

    private static boolean isPreparedFrom(Path preparedDir, Path rawFolder) {
        if (!Files.isRegularFile(preparedDir.resolve(DatasetCard.FILE_NAME))) {
            return false;
        }
        DatasetCard card = DatasetCard.readFrom(preparedDir);
        if (card.inputs().isEmpty()) {
            return false;
        }
        Path folder = rawFolder.toAbsolutePath().normalize();
        try {
            for (DatasetCard.InputFile input : card.inputs()) {
                Path file = Path.of(input.path());
                if (!file.startsWith(folder) || !Files.isRegularFile(file) || Files.size(file) != input.bytes()) {
                    return false;
                }
            }
            for (DatasetCard.SplitFile split : card.splits()) {
                if (!Files.isRegularFile(preparedDir.resolve(split.file()))) {
                    return false;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check the prepared dataset in " + preparedDir, e);
        }
        return true;
    }
}
