package org.ssm4j.datasets.image;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.ssm4j.datasets.DatasetFormatException;

/**
 * Reads IDX files, the format of MNIST and Fashion-MNIST: a magic number {@code 00 00 08 n}
 * (unsigned bytes, {@code n} dimensions), {@code n} big-endian 32-bit sizes, then the values.
 * Gzip-compressed files are recognised by their content, not their name.
 */
public final class IdxFile {

    private static final int UNSIGNED_BYTE = 0x08;

    private IdxFile() {
    }

    /**
     * @param file an IDX file, gzipped or not
     * @param dimensions the number of dimensions the caller needs (3 for images, 1 for labels)
     * @return its content
     * @throws DatasetFormatException on a wrong magic number, a size of 0 or less, too few or too
     *     many data bytes, or a corrupt gzip stream
     */
    public static IdxArray read(Path file, int dimensions) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("IDX file does not exist: " + file);
        }
        try (DataInputStream in = new DataInputStream(open(file))) {
            int magic = readHeaderInt(in, file, "magic number");
            int expectedMagic = (UNSIGNED_BYTE << 8) | dimensions;
            if (magic != expectedMagic) {
                throw DatasetFormatException.mismatch(file, "IDX magic number",
                        String.format("0x%08x (unsigned bytes, %d dimensions)", expectedMagic, dimensions),
                        String.format("0x%08x", magic));
            }
            int[] shape = new int[dimensions];
            long count = 1;
            for (int d = 0; d < dimensions; d++) {
                shape[d] = readHeaderInt(in, file, "size of dimension " + d);
                if (shape[d] <= 0) {
                    throw DatasetFormatException.mismatch(file, "size of dimension " + d, "at least 1", shape[d]);
                }
                count *= shape[d];
            }
            if (count > Integer.MAX_VALUE - 8) {
                throw DatasetFormatException.mismatch(file, "value count", "below 2^31", count);
            }
            byte[] data = in.readNBytes((int) count);
            if (data.length < count) {
                throw DatasetFormatException.mismatch(file, "data bytes after the header (the file is truncated)",
                        count, data.length);
            }
            if (in.read() != -1) {
                throw DatasetFormatException.mismatch(file, "data bytes after the header", count,
                        "more (trailing bytes)");
            }
            return new IdxArray(file, shape, data);
        } catch (EOFException | ZipException e) {
            throw new DatasetFormatException(file, "corrupt or truncated gzip stream: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static InputStream open(Path file) throws IOException {
        BufferedInputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        raw.mark(2);
        int first = raw.read();
        int second = raw.read();
        raw.reset();
        boolean gzip = first == 0x1f && second == 0x8b;
        return gzip ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw;
    }

    private static int readHeaderInt(DataInputStream in, Path file, String what) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw new DatasetFormatException(file, "the header ends before its " + what + " (the file is truncated)", e);
        }
    }
}
