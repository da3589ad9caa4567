package org.ssm4j.datasets;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The project's shared data folder for tests: the system property {@code ssm4j.shared} if that
 * directory exists, else the environment variable {@code SSM4J_SHARED}, else {@code /work/shared}.
 */
public final class SharedData {

    private SharedData() {
    }

    /** @return the shared folder */
    public static Path root() {
        String property = System.getProperty("ssm4j.shared");
        if (property != null && Files.isDirectory(Path.of(property))) {
            return Path.of(property);
        }
        String environment = System.getenv("SSM4J_SHARED");
        if (environment != null && Files.isDirectory(Path.of(environment))) {
            return Path.of(environment);
        }
        return Path.of("/work/shared");
    }

    /**
     * @param relative a path under {@code datasets/}, e.g. {@code "mnist"}
     * @return the path, which must exist
     */
    public static Path dataset(String relative) {
        Path path = root().resolve("datasets").resolve(relative);
        if (!Files.exists(path)) {
            throw new IllegalStateException("shared test data missing: " + path
                    + " (set -Dssm4j.shared or SSM4J_SHARED to the shared folder)");
        }
        return path;
    }
}
