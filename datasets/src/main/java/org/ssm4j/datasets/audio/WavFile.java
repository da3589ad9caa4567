package org.ssm4j.datasets.audio;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ssm4j.datasets.DatasetFormatException;

/**
 * Reads RIFF/WAVE files holding 16-bit mono PCM (format 1, or WAVE_FORMAT_EXTENSIBLE with the
 * PCM sub-format). Chunks other than {@code fmt } and {@code data} are skipped. Anything else
 * (other sample formats, bit depths or channel counts, a truncated data chunk) is rejected with
 * the file, the field and the expected and actual values.
 */
public final class WavFile {

    private static final int PCM = 1;
    private static final int EXTENSIBLE = 0xFFFE;

    private WavFile() {
    }

    /**
     * @param file a WAV file
     * @return its audio
     */
    public static PcmAudio read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("WAV file does not exist: " + file);
        }
        try {
            return parse(file, Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /**
     * @param file the file the bytes come from, for messages
     * @param content the file's bytes
     * @return its audio
     * @throws DatasetFormatException if it is not 16-bit mono PCM WAV
     */
    public static PcmAudio parse(Path file, byte[] content) {
        ByteBuffer bytes = ByteBuffer.wrap(content).order(ByteOrder.LITTLE_ENDIAN);
        if (content.length < 12) {
            throw DatasetFormatException.mismatch(file, "size in bytes (too short for a RIFF/WAVE header)",
                    "at least 12", content.length);
        }
        requireTag(file, content, 0, "RIFF", "RIFF tag");
        requireTag(file, content, 8, "WAVE", "RIFF form type");
        int sampleRate = -1;
        int position = 12;
        while (position + 8 <= content.length) {
            String id = new String(content, position, 4, StandardCharsets.US_ASCII);
            long size = Integer.toUnsignedLong(bytes.getInt(position + 4));
            int body = position + 8;
            if (id.equals("fmt ")) {
                sampleRate = format(file, bytes, body, size);
            } else if (id.equals("data")) {
                if (sampleRate < 0) {
                    throw new DatasetFormatException(file, "the 'data' chunk comes before any 'fmt ' chunk");
                }
                long available = content.length - body;
                if (size > available) {
                    throw DatasetFormatException.mismatch(file, "data chunk length in bytes (the file is truncated)",
                            size, available + " available");
                }
                if (size % 2 != 0) {
                    throw DatasetFormatException.mismatch(file, "data chunk length in bytes",
                            "a multiple of 2 (16-bit mono frames)", size);
                }
                short[] samples = new short[(int) (size / 2)];
                bytes.slice(body, (int) size).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(samples);
                return new PcmAudio(sampleRate, samples);
            }
            position = (int) Math.min(Integer.MAX_VALUE, body + size + (size & 1));
        }
        throw new DatasetFormatException(file, sampleRate < 0
                ? "no 'fmt ' chunk: not a WAV file with a format description"
                : "no 'data' chunk (the file is truncated or holds no audio)");
    }

    /** Checks a {@code fmt } chunk and returns its sample rate. */
    private static int format(Path file, ByteBuffer bytes, int body, long size) {
        if (body + size > bytes.capacity()) {
            throw DatasetFormatException.mismatch(file, "'fmt ' chunk length in bytes (the file is truncated)",
                    size, (bytes.capacity() - body) + " available");
        }
        if (size < 16) {
            throw DatasetFormatException.mismatch(file, "'fmt ' chunk length in bytes", "at least 16", size);
        }
        int format = Short.toUnsignedInt(bytes.getShort(body));
        if (format == EXTENSIBLE && size >= 40) {
            format = Short.toUnsignedInt(bytes.getShort(body + 24));
        }
        if (format != PCM) {
            throw DatasetFormatException.mismatch(file, "audio format", "1 (integer PCM)", format + formatName(format));
        }
        int channels = Short.toUnsignedInt(bytes.getShort(body + 2));
        if (channels != 1) {
            throw DatasetFormatException.mismatch(file, "channel count", 1, channels);
        }
        long sampleRate = Integer.toUnsignedLong(bytes.getInt(body + 4));
        if (sampleRate < 1 || sampleRate > Integer.MAX_VALUE) {
            throw DatasetFormatException.mismatch(file, "sample rate", "1.." + Integer.MAX_VALUE, sampleRate);
        }
        int bits = Short.toUnsignedInt(bytes.getShort(body + 14));
        if (bits != 16) {
            throw DatasetFormatException.mismatch(file, "bits per sample", 16, bits);
        }
        return (int) sampleRate;
    }

    private static String formatName(int format) {
        return switch (format) {
            case 3 -> " (IEEE float)";
            case 6 -> " (A-law)";
            case 7 -> " (mu-law)";
            case EXTENSIBLE -> " (extensible, without a sub-format)";
            default -> "";
        };
    }

    private static void requireTag(Path file, byte[] content, int at, String tag, String what) {
        String actual = new String(content, at, 4, StandardCharsets.ISO_8859_1);
        if (!actual.equals(tag)) {
            throw DatasetFormatException.mismatch(file, what, "\"" + tag + "\"", "\"" + actual + "\"");
        }
    }
}
