package org.ssm4j.datasets.audio;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.complex.ListVector;
import org.ssm4j.datasets.DatasetCard;
import org.ssm4j.datasets.DatasetFormatException;
import org.ssm4j.datasets.FileDigests;
import org.ssm4j.datasets.ProgressListener;
import org.ssm4j.datasets.arrow.ArrowDatasetWriter;

/**
 * Converts a directory of {@code {label}_{speaker}_{index}.wav} recordings (the Free Spoken
 * Digit Dataset layout) into {@code train.arrow} and {@code test.arrow} (see {@link AudioDataset}
 * for the layout), optionally resampled, plus a {@link DatasetCard}. Recordings are written in
 * label, speaker, index order; those with an index below {@link WavPreparation#firstTrainIndex()}
 * form the test split.
 */
public final class WavConverter {

    /** The training split's file name. */
    public static final String TRAIN_FILE = "train.arrow";
    /** The test split's file name. */
    public static final String TEST_FILE = "test.arrow";

    private WavConverter() {
    }

    /**
     * @param preparation input, output, resampling, split and batch size
     * @param progress told about the recordings converted
     * @return the card written beside the audio files
     */
    public static DatasetCard convert(WavPreparation preparation, ProgressListener progress) {
        List<Recording> recordings = list(preparation.inputDir());
        Path outputDir = preparation.outputDir();
        List<DatasetCard.InputFile> inputs = new ArrayList<>();
        TreeSet<Integer> sourceRates = new TreeSet<>();
        progress.begin("converting recordings", recordings.size(), "files");
        try (SplitWriter train = new SplitWriter("train", outputDir.resolve(TRAIN_FILE), preparation.recordingsPerBatch());
             SplitWriter test = new SplitWriter("test", outputDir.resolve(TEST_FILE), preparation.recordingsPerBatch())) {
            for (Recording recording : recordings) {
                byte[] content = read(recording.file);
                inputs.add(DatasetCard.InputFile.of(recording.file, content));
                PcmAudio audio = WavFile.parse(recording.file, content);
                if (audio.samples().length == 0) {
                    throw DatasetFormatException.mismatch(recording.file, "sample count", "at least 1", 0);
                }
                sourceRates.add(audio.sampleRate());
                if (preparation.targetSampleRate() > 0) {
                    audio = audio.resampledTo(preparation.targetSampleRate());
                }
                (recording.name.index() < preparation.firstTrainIndex() ? test : train).add(recording, audio);
                progress.advance(1);
            }
            progress.end();
            List<DatasetCard.SplitFile> splits = List.of(train.commit(), test.commit());
            DatasetCard card = card(preparation, inputs, sourceRates, splits);
            card.writeTo(outputDir);
            return card;
        }
    }

    private static DatasetCard card(WavPreparation preparation, List<DatasetCard.InputFile> inputs,
                                    TreeSet<Integer> sourceRates, List<DatasetCard.SplitFile> splits) {
        Map<String, String> properties = new LinkedHashMap<>();
        String sourceRate = sourceRates.size() == 1 ? sourceRates.first().toString() : "mixed " + sourceRates;
        properties.put("source_sample_rate", sourceRate);
        if (preparation.targetSampleRate() > 0) {
            properties.put("sample_rate", Integer.toString(preparation.targetSampleRate()));
            properties.put("resampler", Resampler.description());
        } else {
            properties.put("sample_rate", sourceRate);
        }
        properties.put("split", "index < " + preparation.firstTrainIndex() + " is test, the rest train");
        properties.put("recordings_per_record_batch", Integer.toString(preparation.recordingsPerBatch()));
        return DatasetCard.of(
                preparation.outputDir(),
                "audio",
                "Mono 16-bit recordings named {label}_{speaker}_{index}.wav, one row each in label, speaker,"
                        + " index order; column '" + AudioDataset.SAMPLES_FIELD + "' holds the samples.",
                preparation.provenance(),
                AudioDataset.SCHEMA,
                properties,
                inputs,
                splits);
    }

    /** The recordings of a directory in label, speaker, index order. */
    private static List<Recording> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("WAV input directory does not exist: " + dir);
        }
        List<Recording> recordings;
        try (Stream<Path> entries = Files.list(dir)) {
            recordings = entries.filter(p -> p.getFileName().toString().endsWith(".wav"))
                    .map(p -> new Recording(p, FsddName.parse(p)))
                    .sorted((a, b) -> FsddName.ORDER.compare(a.name, b.name))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        if (recordings.isEmpty()) {
            throw new IllegalArgumentException("WAV input directory " + dir + " holds no *.wav file");
        }
        return recordings;
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private record Recording(Path file, FsddName name) {
    }

    /** Collects one split's rows into record batches. */
    private static final class SplitWriter implements AutoCloseable {
        private final String split;
        private final Path target;
        private final int perBatch;
        private final ArrowDatasetWriter writer;
        private final ListVector samples;
        private final SmallIntVector values;
        private final IntVector labels;
        private final VarCharVector speakers;
        private final IntVector rates;
        private final VarCharVector sources;
        private final Map<Integer, Long> perLabel = new TreeMap<>();
        private int rows;
        private long totalSamples;
        private long minSamples = Long.MAX_VALUE;
        private long maxSamples;

        SplitWriter(String split, Path target, int perBatch) {
            this.split = split;
            this.target = target;
            this.perBatch = perBatch;
            this.writer = ArrowDatasetWriter.create(target, AudioDataset.SCHEMA);
            this.samples = (ListVector) writer.root().getVector(AudioDataset.SAMPLES_FIELD);
            this.values = (SmallIntVector) samples.getDataVector();
            this.labels = (IntVector) writer.root().getVector(AudioDataset.LABEL_FIELD);
            this.speakers = (VarCharVector) writer.root().getVector(AudioDataset.SPEAKER_FIELD);
            this.rates = (IntVector) writer.root().getVector(AudioDataset.SAMPLE_RATE_FIELD);
            this.sources = (VarCharVector) writer.root().getVector(AudioDataset.SOURCE_FIELD);
        }

        void add(Recording recording, PcmAudio audio) {
            short[] data = audio.samples();
            int start = samples.startNewValue(rows);
            for (int i = 0; i < data.length; i++) {
                values.setSafe(start + i, data[i]);
            }
            samples.endValue(rows, data.length);
            labels.setSafe(rows, recording.name.label());
            speakers.setSafe(rows, recording.name.speaker().getBytes(StandardCharsets.UTF_8));
            rates.setSafe(rows, audio.sampleRate());
            sources.setSafe(rows, recording.file.getFileName().toString().getBytes(StandardCharsets.UTF_8));
            rows++;
            perLabel.merge(recording.name.label(), 1L, Long::sum);
            totalSamples += data.length;
            minSamples = Math.min(minSamples, data.length);
            maxSamples = Math.max(maxSamples, data.length);
            if (rows == perBatch) {
                flush();
            }
        }

        private void flush() {
            if (rows > 0) {
                writer.writeBatch(rows);
                rows = 0;
            }
        }

        DatasetCard.SplitFile commit() {
            flush();
            long count = writer.rowsWritten();
            writer.commit();
            Map<String, Long> counts = new LinkedHashMap<>();
            counts.put("recordings", count);
            counts.put("samples", totalSamples);
            counts.put("min_samples", count == 0 ? 0 : minSamples);
            counts.put("max_samples", maxSamples);
            perLabel.forEach((label, n) -> counts.put("label_" + label, n));
            return new DatasetCard.SplitFile(split, target.getFileName().toString(), count,
                    FileDigests.sha256(target), counts);
        }

        @Override
        public void close() {
            writer.close();
        }
    }
}
