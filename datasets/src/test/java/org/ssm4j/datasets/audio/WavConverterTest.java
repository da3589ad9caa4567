package org.ssm4j.datasets.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.ssm4j.datasets.Batch;
import org.ssm4j.datasets.BatchOptions;
import org.ssm4j.datasets.BatchSource;
import org.ssm4j.datasets.DatasetCard;
import org.ssm4j.datasets.DatasetFormatException;
import org.ssm4j.datasets.ProgressListener;
import org.ssm4j.datasets.Provenance;
import org.ssm4j.datasets.RecordingProgress;
import org.ssm4j.testing.SharedData;

class WavConverterTest {

    private static final List<String> SPEAKERS = List.of("george", "jackson", "lucas", "nicolas", "theo", "yweweler");

    @TempDir
    Path temp;

    /** Links FSDD recordings of the given digits, every speaker, takes 0..takes-1 into a fresh directory. */
    private Path subset(String name, int digits, int takes) throws IOException {
        Path recordings = SharedData.dataset("fsdd/recordings");
        Path dir = Files.createDirectory(temp.resolve(name));
        for (int digit = 0; digit < digits; digit++) {
            for (String speaker : SPEAKERS) {
                for (int take = 0; take < takes; take++) {
                    String file = digit + "_" + speaker + "_" + take + ".wav";
                    Files.createSymbolicLink(dir.resolve(file), recordings.resolve(file));
                }
            }
        }
        return dir;
    }

    @Test
    void fsddSubsetRoundTripsWithTheOfficialSplit() throws IOException {
        Path input = subset("fsdd", 2, 8);
        Path out = temp.resolve("fsdd-out");
        RecordingProgress progress = new RecordingProgress();
        DatasetCard card = WavConverter.convert(new WavPreparation(input, out, 0, 5, 16,
                new Provenance("test", "CC BY-SA 4.0")), progress);
        assertTrue(progress.allComplete(), progress.tasks().toString());
        assertEquals(2 * 6 * 8, progress.tasks().getFirst().total());
        assertEquals(2 * 6 * 8, card.inputs().size());
        try (AudioDataset train = AudioDataset.open(out.resolve(WavConverter.TRAIN_FILE));
             AudioDataset test = AudioDataset.open(out.resolve(WavConverter.TEST_FILE))) {
            assertEquals(2 * 6 * 3, train.size());
            assertEquals(2 * 6 * 5, test.size());
            for (AudioDataset split : List.of(train, test)) {
                for (int i = 0; i < split.size(); i++) {
                    FsddName name = FsddName.parse(Path.of(split.source(i)));
                    assertEquals(split == test, name.index() < 5, split.source(i));
                    assertEquals(name.label(), split.label(i));
                    assertEquals(name.speaker(), split.speaker(i));
                    assertEquals(8000, split.sampleRate(i));
                    PcmAudio raw = WavFile.read(input.resolve(split.source(i)));
                    assertArrayEquals(raw.samples(), split.samples(i), split.source(i));
                }
            }
            // label, speaker, index order
            assertEquals("0_george_5.wav", train.source(0));
            assertEquals("0_george_6.wav", train.source(1));
            assertEquals("0_jackson_5.wav", train.source(3));
            assertEquals("1_yweweler_7.wav", train.source(train.size() - 1));
        }
        assertEquals(36L, card.splits().get(0).counts().get("recordings"));
        assertEquals(30L, card.splits().get(1).counts().get("label_0"));
        assertEquals("8000", card.properties().get("sample_rate"));
        assertEquals("CC BY-SA 4.0", card.license());
    }

    @Test
    void resamplingConvertsEachRecordingWithTheResampler() throws IOException {
        Path input = subset("fsdd16", 1, 2);
        Path out = temp.resolve("fsdd16-out");
        DatasetCard card = WavConverter.convert(new WavPreparation(input, out, 16000, 1, 4, Provenance.of("test")),
                ProgressListener.NONE);
        assertEquals("16000", card.properties().get("sample_rate"));
        assertEquals("8000", card.properties().get("source_sample_rate"));
        assertTrue(card.properties().get("resampler").startsWith("Kaiser-windowed sinc"));
        try (AudioDataset train = AudioDataset.open(out.resolve(WavConverter.TRAIN_FILE))) {
            assertEquals(6, train.size());
            for (int i = 0; i < train.size(); i++) {
                PcmAudio raw = WavFile.read(input.resolve(train.source(i)));
                assertEquals(16000, train.sampleRate(i));
                assertArrayEquals(Resampler.resample(raw.samples(), 8000, 16000), train.samples(i));
                assertEquals(2 * raw.samples().length, train.length(i));
            }
        }
    }

    @Test
    void batchesArePaddedToTheLongestWithMasks() throws IOException {
        Path input = subset("pad", 1, 6);
        Path out = temp.resolve("pad-out");
        WavConverter.convert(WavPreparation.of(input, out, Provenance.of("test")), ProgressListener.NONE);
        try (AudioDataset test = AudioDataset.open(out.resolve(WavConverter.TEST_FILE))) {
            BatchSource source = AudioBatches.batches(test, BatchOptions.training(7, 99));
            Batch batch = source.next();
            assertEquals(7, batch.size());
            int longest = (int) batch.features().size(1);
            assertArrayEquals(new long[]{7, longest, 1}, batch.features().shape());
            assertArrayEquals(new long[]{7, longest}, batch.featuresMask().shape());
            int longestSeen = 0;
            for (int b = 0; b < 7; b++) {
                INDArray row = batch.features().get(NDArrayIndex.point(b)).reshape(longest);
                INDArray mask = batch.featuresMask().getRow(b);
                int length = mask.sumNumber().intValue();
                longestSeen = Math.max(longestSeen, length);
                int example = find(test, row, length);
                assertEquals(test.length(example), length);
                assertEquals(test.label(example), batch.labels().getInt(b));
                for (int t = 0; t < longest; t++) {
                    assertEquals(t < length ? 1f : 0f, mask.getFloat(t), 0f);
                }
                for (int t = length; t < longest; t++) {
                    assertEquals(0f, row.getFloat(t), 0f, "padding");
                }
            }
            assertEquals(longest, longestSeen, "padded to the longest of the batch");
        }
    }

    /** The recording whose samples, scaled by 1/32768, are the row's first {@code length} values. */
    private static int find(AudioDataset dataset, INDArray row, int length) {
        for (int i = 0; i < dataset.size(); i++) {
            short[] samples = dataset.samples(i);
            if (samples.length != length) {
                continue;
            }
            boolean same = true;
            for (int t = 0; t < length && same; t++) {
                same = samples[t] / 32768f == row.getFloat(t);
            }
            if (same) {
                return i;
            }
        }
        throw new AssertionError("no recording matches the batch row");
    }

    @Test
    void mixedSampleRatesCannotBeBatched() throws IOException {
        Path dir = Files.createDirectory(temp.resolve("mixed"));
        Files.write(dir.resolve("1_a_0.wav"), WavFileTest.pcm(8000, new short[]{1, 2, 3}));
        Files.write(dir.resolve("2_a_0.wav"), WavFileTest.pcm(16000, new short[]{4, 5}));
        Path out = temp.resolve("mixed-out");
        DatasetCard card = WavConverter.convert(WavPreparation.of(dir, out, Provenance.of("test")), ProgressListener.NONE);
        assertEquals("mixed [8000, 16000]", card.properties().get("sample_rate"));
        try (AudioDataset test = AudioDataset.open(out.resolve(WavConverter.TEST_FILE))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AudioBatches(test));
            assertTrue(e.getMessage().contains("mixes sample rates (8000 Hz for 1_a_0.wav, 16000 Hz for 2_a_0.wav)"),
                    e.getMessage());
        }
    }

    @Test
    void badNamesBadFilesAndMissingDirectoriesAreNamed() throws IOException {
        Path dir = Files.createDirectory(temp.resolve("bad"));
        Files.write(dir.resolve("hello.wav"), WavFileTest.pcm(8000, new short[4]));
        DatasetFormatException name = assertThrows(DatasetFormatException.class, () -> WavConverter.convert(
                WavPreparation.of(dir, temp.resolve("o1"), Provenance.of("test")), ProgressListener.NONE));
        assertEquals(dir.resolve("hello.wav") + ": file name: expected {label}_{speaker}_{index}.wav, e.g."
                + " 7_jackson_32.wav, actual hello.wav", name.getMessage());

        Files.delete(dir.resolve("hello.wav"));
        Files.write(dir.resolve("3_x_9.wav"), WavFileTest.wav(1, 2, 8000, 16, 16, 0, new short[4], 8));
        DatasetFormatException stereo = assertThrows(DatasetFormatException.class, () -> WavConverter.convert(
                WavPreparation.of(dir, temp.resolve("o2"), Provenance.of("test")), ProgressListener.NONE));
        assertEquals(dir.resolve("3_x_9.wav") + ": channel count: expected 1, actual 2", stereo.getMessage());
        try (var left = Files.list(temp.resolve("o2"))) {
            assertEquals(List.of(), left.toList(), "no half-written output");
        }

        Path missing = temp.resolve("missing");
        IllegalArgumentException gone = assertThrows(IllegalArgumentException.class, () -> WavConverter.convert(
                WavPreparation.of(missing, temp.resolve("o3"), Provenance.of("test")), ProgressListener.NONE));
        assertEquals("WAV input directory does not exist: " + missing, gone.getMessage());
    }
}
