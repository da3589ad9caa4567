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

    /**
     * @param relative a path under {@code datasets/}, e.g. {@code "mnist"}
     * @return the path, which must exist
     */
    static Path dataset(String relative) {
        String property = System.getProperty("ssm4j.shared");
        String environment = System.getenv("SSM4J_SHARED");
        Path root = property != null && Files.isDirectory(Path.of(property)) ? Path.of(property)
                : environment != null && Files.isDirectory(Path.of(environment)) ? Path.of(environment)
                : Path.of("/work/shared");
        Path path = root.resolve("datasets").resolve(relative);
        if (!Files.exists(path)) {
            throw new IllegalStateException("shared test data missing: " + path
                    + " (set -Dssm4j.shared or SSM4J_SHARED to the shared folder)");
        }
        return path;
    }
}
