package org.ssm4j.io;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;

/**
 * Writes files so that a reader never sees a half-written one: the content goes to a hidden
 * temporary file in the target's directory, is forced to disk, then renamed over the target
 * (atomically where the file system can). On failure the target is unchanged and the
 * temporary file is deleted.
 *
 * <p>{@link #write} and {@link #writeString} do it all in one call; a writer that keeps its
 * own channel open across calls (an Arrow file) uses the steps: {@link #temporarySibling},
 * then {@link #commit} or {@link #deleteQuietly}.
 */
public final class AtomicFiles {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** What writes the content of a file. */
    @FunctionalInterface
    public interface Content {
        /** Writes the whole content to {@code out}; closing {@code out} only flushes it. */
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFiles() {
    }

    /**
     * Writes a UTF-8 text file atomically.
     *
     * @throws UncheckedIOException if it cannot be written; the target is then unchanged
     */
    public static void writeString(Path target, String text) {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Writes a file atomically from what {@code content} writes (buffered). The directory is
     * created if missing.
     *
     * @throws UncheckedIOException if it cannot be written; the target is then unchanged. An
     *                              unchecked exception {@code content} throws passes through,
     *                              the target likewise unchanged.
     */
    public static void write(Path target, Content content) {
        Path temporary = temporarySibling(target);
        boolean written = false;
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE);
             OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16)) {
            content.writeTo(new FilterOutputStream(out) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    out.flush();
                }
            });
            out.flush();
            channel.force(true);
            written = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        } finally {
            if (!written) {
                deleteQuietly(temporary);
            }
        }
        commit(temporary, target);
    }

    /**
     * Creates an empty temporary sibling of {@code target}: a hidden file in the same directory,
     * so that the final rename stays on one file system, with the permissions the umask gives
     * new files (not the owner-only ones of {@link Files#createTempFile}). The directory is
     * created if missing.
     *
     * @param target the file that will eventually be written
     * @return the temporary file
     * @throws UncheckedIOException if it cannot be created
     */
    public static Path temporarySibling(Path target) {
        Path absolute = target.toAbsolutePath();
        try {
            Files.createDirectories(absolute.getParent());
            while (true) {
                Path temporary = absolute.resolveSibling("." + absolute.getFileName() + "."
                        + Long.toHexString(RANDOM.nextLong()) + ".tmp");
                try {
                    return Files.createFile(temporary);
                } catch (FileAlreadyExistsException taken) {
                    // another writer drew the same name: draw again
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary file beside " + absolute, e);
        }
    }

    /**
     * Renames a completed temporary file over its target; on failure deletes it.
     *
     * @param temporary the complete content, from {@link #temporarySibling}
     * @param target    where it belongs
     * @throws UncheckedIOException if it cannot be renamed; the target is then unchanged
     */
    public static void commit(Path temporary, Path target) {
        try {
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            deleteQuietly(temporary);
            throw new UncheckedIOException("cannot rename " + temporary + " to " + target, e);
        }
    }

    /**
     * Deletes a temporary file after a failure, keeping the original failure as the one
     * reported.
     *
     * @param temporary the file to delete if it exists
     */
    public static void deleteQuietly(Path temporary) {
        try {
            Files.deleteIfExists(temporary);
        } catch (IOException ignored) {
            // the failure that led here is the one worth reporting
        }
    }
}
