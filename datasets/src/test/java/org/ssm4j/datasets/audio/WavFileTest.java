package org.ssm4j.datasets.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ssm4j.datasets.DatasetFormatException;
import org.ssm4j.testing.SharedData;

class WavFileTest {

    @TempDir
    Path temp;

    /**
     * A WAV file: RIFF header, a LIST chunk to skip, a {@code fmt } chunk, then {@code data}.
     *
     * @param fmtSize 16 for plain PCM, 40 for WAVE_FORMAT_EXTENSIBLE
     */
    static byte[] wav(int format, int channels, int rate, int bits, int fmtSize, int subFormat, short[] samples,
                      int declaredDataBytes) {
        ByteBuffer b = ByteBuffer.allocate(12 + 8 + 4 + 8 + fmtSize + 8 + samples.length * 2)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(b.capacity() - 8)
                .put("WAVE".getBytes(StandardCharsets.US_ASCII));
        b.put("LIST".getBytes(StandardCharsets.US_ASCII)).putInt(3).put(new byte[]{1, 2, 3, 0});
        b.put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(fmtSize);
        b.putShort((short) format).putShort((short) channels).putInt(rate)
                .putInt(rate * channels * bits / 8).putShort((short) (channels * bits / 8)).putShort((short) bits);
        if (fmtSize == 40) {
            b.putShort((short) 22).putShort((short) bits).putInt(4).putShort((short) subFormat)
                    .put(new byte[14]);
        }
        b.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(declaredDataBytes);
        for (short s : samples) {
            b.putShort(s);
        }
        return b.array();
    }

    static byte[] pcm(int rate, short[] samples) {
        return wav(1, 1, rate, 16, 16, 0, samples, samples.length * 2);
    }

    @Test
    void readsAnFsddRecordingSampleBySample() throws IOException {
        Path file = SharedData.dataset("fsdd/recordings/0_george_0.wav");
        byte[] bytes = Files.readAllBytes(file);
        PcmAudio audio = WavFile.read(file);
        assertEquals(8000, audio.sampleRate());
        // FSDD files are a 44-byte canonical header followed by the samples
        assertEquals((bytes.length - 44) / 2, audio.samples().length);
        ByteBuffer data = ByteBuffer.wrap(bytes, 44, bytes.length - 44).order(ByteOrder.LITTLE_ENDIAN);
        for (short sample : audio.samples()) {
            assertEquals(data.getShort(), sample);
        }
    }

    @Test
    void skipsUnknownChunksAndAcceptsExtensiblePcm() {
        short[] samples = {1, -2, 32767, -32768};
        PcmAudio plain = WavFile.parse(Path.of("plain.wav"), pcm(16000, samples));
        assertEquals(16000, plain.sampleRate());
        assertEquals(Arrays.toString(samples), Arrays.toString(plain.samples()));
        PcmAudio extensible = WavFile.parse(Path.of("ext.wav"), wav(0xFFFE, 1, 8000, 16, 40, 1, samples, 8));
        assertEquals(Arrays.toString(samples), Arrays.toString(extensible.samples()));
    }

    private void assertRejected(byte[] content, String expectedMessageTail) throws IOException {
        Path file = temp.resolve("bad.wav");
        Files.write(file, content);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> WavFile.read(file));
        assertEquals(file + ": " + expectedMessageTail, e.getMessage());
    }

    @Test
    void otherFormatsBitDepthsAndChannelCountsAreNamed() throws IOException {
        short[] samples = new short[8];
        assertRejected(wav(1, 2, 8000, 16, 16, 0, samples, 16), "channel count: expected 1, actual 2");
        assertRejected(wav(1, 1, 8000, 8, 16, 0, samples, 16), "bits per sample: expected 16, actual 8");
        assertRejected(wav(3, 1, 8000, 32, 16, 0, samples, 16),
                "audio format: expected 1 (integer PCM), actual 3 (IEEE float)");
        assertRejected(wav(0xFFFE, 1, 8000, 16, 40, 3, samples, 16),
                "audio format: expected 1 (integer PCM), actual 3 (IEEE float)");
    }

    @Test
    void truncatedAndForeignFilesAreNamed() throws IOException {
        byte[] whole = pcm(8000, new short[100]);
        assertRejected(Arrays.copyOf(whole, whole.length - 11),
                "data chunk length in bytes (the file is truncated): expected 200, actual 189 available");
        assertRejected(Arrays.copyOf(whole, 52), "no 'data' chunk (the file is truncated or holds no audio)");
        assertRejected(Arrays.copyOf(whole, 40),
                "'fmt ' chunk length in bytes (the file is truncated): expected 16, actual 8 available");
        byte[] notRiff = whole.clone();
        notRiff[0] = 'X';
        assertRejected(notRiff, "RIFF tag: expected \"RIFF\", actual \"XIFF\"");
        byte[] avi = whole.clone();
        System.arraycopy("AVI ".getBytes(StandardCharsets.US_ASCII), 0, avi, 8, 4);
        assertRejected(avi, "RIFF form type: expected \"WAVE\", actual \"AVI \"");
        assertRejected(new byte[5], "size in bytes (too short for a RIFF/WAVE header): expected at least 12, actual 5");
        assertRejected(wav(1, 1, 8000, 16, 16, 0, new short[3], 5),
                "data chunk length in bytes: expected a multiple of 2 (16-bit mono frames), actual 5");
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = temp.resolve("1_nobody_3.wav");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WavFile.read(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }
}
