package org.ssm4j.experiments.domains;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ssm4j.datasets.ProgressListener;
import org.ssm4j.datasets.Provenance;
import org.ssm4j.datasets.audio.AudioDataset;
import org.ssm4j.datasets.audio.WavConverter;
import org.ssm4j.datasets.audio.WavPreparation;
import org.ssm4j.datasets.image.IdxConverter;
import org.ssm4j.datasets.image.IdxPreparation;
import org.ssm4j.datasets.image.ImageDataset;
import org.ssm4j.experiments.monitor.PositionLayout;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Images as pixel and patch sequences, recordings as frames: exact values on small files written here. */
class SequencesTest {

    @TempDir
    Path dir;

    private static final int SIDE = 8;

    private static int pixel(int image, int row, int col) {
        return (image * 37 + row * SIDE + col * 3) % 256;
    }

    private Path idx() throws IOException {
        Path raw = Files.createDirectories(dir.resolve("idx"));
        for (String split : new String[]{"train", "t10k"}) {
            ByteArrayOutputStream images = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(images);
            out.writeInt(0x803);
            out.writeInt(3);
            out.writeInt(SIDE);
            out.writeInt(SIDE);
            for (int i = 0; i < 3; i++) {
                for (int r = 0; r < SIDE; r++) {
                    for (int c = 0; c < SIDE; c++) {
                        out.writeByte(pixel(i, r, c));
                    }
                }
            }
            Files.write(raw.resolve(split + "-images-idx3-ubyte"), images.toByteArray());
            ByteArrayOutputStream labels = new ByteArrayOutputStream();
            DataOutputStream l = new DataOutputStream(labels);
            l.writeInt(0x801);
            l.writeInt(3);
            l.write(new byte[]{7, 0, 9});
            Files.write(raw.resolve(split + "-labels-idx1-ubyte"), labels.toByteArray());
        }
        Path out = dir.resolve("idx-arrow");
        IdxConverter.convert(IdxPreparation.of(raw, out, Provenance.of("test")), ProgressListener.NONE);
        return out.resolve(IdxConverter.TRAIN_FILE);
    }

    @Test
    void patchesArePixelsOfEachPatchRowByRowInRowMajorPatchOrder() throws IOException {
        try (ImageSequences patches = new ImageSequences(ImageDataset.open(idx()), 4, 10)) {
            assertEquals(4, patches.length());
            assertEquals(16, patches.channels());
            assertFalse(patches.padded());
            assertEquals(9, patches.label(2));
            float[] features = new float[1 + 4 * 16];
            float[] mask = new float[1 + 4];
            patches.read(2, features, 1, mask, 1);
            for (int pr = 0; pr < 2; pr++) {
                for (int pc = 0; pc < 2; pc++) {
                    for (int r = 0; r < 4; r++) {
                        for (int c = 0; c < 4; c++) {
                            float expected = pixel(2, pr * 4 + r, pc * 4 + c) / 255f;
                            assertEquals(expected, features[1 + (pr * 2 + pc) * 16 + r * 4 + c], 0f);
                        }
                    }
                }
            }
            assertArrayEquals(new float[]{0, 1, 1, 1, 1}, mask);
            PositionLayout.Image layout = (PositionLayout.Image) patches.layout(1);
            assertEquals(2, layout.gridRows());
            assertEquals(pixel(1, 3, 5) / 255.0, layout.pixels()[3 * SIDE + 5], 1e-12);
        }
        try (ImageSequences pixels = new ImageSequences(ImageDataset.open(idx()), 1, 10)) {
            assertEquals(SIDE * SIDE, pixels.length());
            float[] features = new float[SIDE * SIDE];
            pixels.read(0, features, 0, new float[SIDE * SIDE], 0);
            assertEquals(pixel(0, 2, 3) / 255f, features[2 * SIDE + 3], 0f);
        }
        assertThrows(IllegalArgumentException.class, () -> new ImageSequences(ImageDataset.open(idx()), 3, 10));
    }

    private static void wav(Path file, short[] samples) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(44 + 2 * samples.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(36 + 2 * samples.length).put("WAVE".getBytes());
        b.put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 1).putInt(8000).putInt(16000)
                .putShort((short) 2).putShort((short) 16);
        b.put("data".getBytes()).putInt(2 * samples.length);
        for (short s : samples) {
            b.putShort(s);
        }
        Files.write(file, b.array());
    }

    @Test
    void recordingsAreCentreCroppedOrPaddedScaledToUnitRmsAndCutIntoFrames() throws IOException {
        Path raw = Files.createDirectories(dir.resolve("wav"));
        short[] shortOne = new short[100];
        short[] longOne = new short[300];
        for (int i = 0; i < longOne.length; i++) {
            longOne[i] = (short) ((i * 97) % 2001 - 1000);
        }
        for (int i = 0; i < shortOne.length; i++) {
            shortOne[i] = (short) (i % 2 == 0 ? 300 : -300);
        }
        wav(raw.resolve("3_a_7.wav"), shortOne);
        wav(raw.resolve("5_a_9.wav"), longOne);
        wav(raw.resolve("1_a_0.wav"), shortOne);
        Path out = dir.resolve("wav-arrow");
        WavConverter.convert(WavPreparation.of(raw, out, Provenance.of("test")), ProgressListener.NONE);
        try (AudioSequences frames = new AudioSequences(AudioDataset.open(out.resolve(WavConverter.TRAIN_FILE)), 256, 64, 10)) {
            assertEquals(2, frames.size());
            assertEquals(4, frames.length());
            assertEquals(64, frames.channels());
            assertTrue(frames.padded());
            assertEquals(8000, frames.sampleRate());
            float[] features = new float[256];
            float[] mask = new float[4];
            frames.read(0, features, 0, mask, 0);
            assertEquals(3, frames.label(0));
            assertEquals(1f, features[0], 1e-6f, "a ±300 square wave has RMS 300: scaled to ±1");
            assertEquals(-1f, features[99], 1e-6f);
            assertEquals(0f, features[100], 0f);
            assertArrayEquals(new float[]{1, 1, 0, 0}, mask, "frames 0-1 hold the 100 samples");

            frames.read(1, features, 0, mask, 0);
            double squares = 0;
            for (float f : features) {
                squares += f * f;
            }
            assertEquals(1.0, squares / 256, 1e-5);
            double scale = features[0] / longOne[22];
            for (int i = 0; i < 256; i++) {
                assertEquals(longOne[22 + i] * scale, features[i], 1e-5, "the middle 256 of 300 samples start at 22");
            }
            assertArrayEquals(new float[]{1, 1, 1, 1}, mask);
            PositionLayout.Audio layout = (PositionLayout.Audio) frames.layout(0);
            assertEquals(2, layout.realLength());
        }
        assertThrows(IllegalArgumentException.class,
                () -> new AudioSequences(AudioDataset.open(out.resolve(WavConverter.TRAIN_FILE)), 250, 64, 10));
    }
}
