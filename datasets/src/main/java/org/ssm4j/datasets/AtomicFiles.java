package org.ssm4j.datasets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;

/**
 * Writes files so that a reader never sees a half-written one: the content goes to a temporary
 * file in the target's directory, which is then renamed over the target (atomically where the
 * file system can).
 */
public final class AtomicFiles {

    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicFiles() {
    }

    /**
     * Creates an empty temporary sibling of {@code target} (a hidden file in the same directory,
     * so that the final rename stays on one file system). The directory is created if missing.
     *
     * @param target the file that will eventually be written
     * @return the temporary file
     */
    public static Path temporarySibling(Path target) {
        Path absolute = target.toAbsolutePath();
        try {
            Files.createDirectories(absolute.getParent());
            while (true) {
                // Files.createFile (unlike createTempFile's owner-only 0600) keeps the umask's permissions
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
     * Renames a completed temporary file over its target.
     *
     * @param temporary the complete content
     * @param target where it belongs
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
     * Writes a UTF-8 string through a temporary file.
     *
     * @param target the file to write
     * @param content its content
     */
    public static void writeString(Path target, String content) {
        Path temporary = temporarySibling(target);
        try {
            Files.writeString(temporary, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            deleteQuietly(temporary);
            throw new UncheckedIOException("cannot write " + temporary, e);
        }
        commit(temporary, target);
    }

    /**
     * Deletes a temporary file after a failure, keeping the original failure as the one reported.
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
