package org.ssm4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The project's shared data folder for tests: the system property {@code ssm4j.shared} if that
 * directory exists, else the environment variable {@code SSM4J_SHARED}, else {@code /work/shared}.
 */
final class SharedData {

    private SharedData() {
    }

    /** The shared folder itself. */
    static Path root() {
        String property = System.getProperty("ssm4j.shared");
        String environment = System.getenv("SSM4J_SHARED");
        return property != null && Files.isDirectory(Path.of(property)) ? Path.of(property)
                : environment != null && Files.isDirectory(Path.of(environment)) ? Path.of(environment)
                : Path.of("/work/shared");
    }

    /**
     * @param relative a path under {@code datasets/}, e.g. {@code "mnist"}
     * @return the path, which must exist
     */
    static Path dataset(String relative) {
        return existing(root().resolve("datasets").resolve(relative));
    }

    /**
     * @param relative a path under {@code fixtures/}, e.g. {@code "mamba-tiny"}
     * @return the path, which must exist
     */
    static Path fixture(String relative) {
        return existing(root().resolve("fixtures").resolve(relative));
    }

    private static Path existing(Path path) {
        if (!Files.exists(path)) {
            throw new IllegalStateException("shared test data missing: " + path
                    + " (set -Dssm4j.shared or SSM4J_SHARED to the shared folder)");
        }
        return path;
    }
}
