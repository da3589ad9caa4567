package org.ssm4j.experiments.domains;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shared datasets folder for tests: {@code datasets} inside the system property
 * {@code ssm4j.shared} if that directory exists, else inside the environment variable
 * {@code SSM4J_SHARED}, else inside {@code /work/shared}.
 */
public final class SharedDatasets {
    private SharedDatasets() {
    }

    /** The folder holding {@code tinyshakespeare/}, {@code mnist/}, {@code fsdd/} and the others. */
    public static Path directory() {
        for (String candidate : new String[]{System.getProperty("ssm4j.shared"), System.getenv("SSM4J_SHARED"), "/work/shared"}) {
            if (candidate != null && Files.isDirectory(Path.of(candidate, "datasets"))) {
                return Path.of(candidate, "datasets").toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException("shared datasets not found: set -Dssm4j.shared or SSM4J_SHARED to the folder holding datasets/");
    }
}
