package org.ssm4j.datasets;

import java.nio.file.Path;

/**
 * A dataset file whose content is not what its format requires: a wrong magic number, a count
 * that does not match, a truncated body, an unsupported encoding. The message names the file,
 * the problem and, where there is one, the expected and the actual value.
 */
public class DatasetFormatException extends RuntimeException {

    private final Path file;

    /**
     * @param file the offending file
     * @param problem what is wrong with it
     */
    public DatasetFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    /**
     * @param file the offending file
     * @param problem what is wrong with it
     * @param cause the lower-level failure that revealed it
     */
    public DatasetFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /**
     * A value read from the file that differs from the one the format requires.
     *
     * @param file the offending file
     * @param what the name of the value, e.g. "magic number" or "channel count"
     * @param expected what the format requires
     * @param actual what the file holds
     * @return the exception, for the caller to throw
     */
    public static DatasetFormatException mismatch(Path file, String what, Object expected, Object actual) {
        return new DatasetFormatException(file, what + ": expected " + expected + ", actual " + actual);
    }

    /** @return the file the problem was found in */
    public Path file() {
        return file;
    }
}
