package org.ssm4j.mamba;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the read-only reference data beside the repository: the system property
 * {@code ssm4j.shared} (set by the build) if that directory exists, else the environment
 * variable {@code SSM4J_SHARED}, else {@code /work/shared}.
 */
public final class SharedData {
    private SharedData() {
    }

    /** The shared directory. */
    public static Path root() {
        for (String candidate : new String[]{System.getProperty("ssm4j.shared"), System.getenv("SSM4J_SHARED"), "/work/shared"}) {
            if (candidate != null && Files.isDirectory(Path.of(candidate, "fixtures"))) {
                return Path.of(candidate).toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException("shared reference data not found: set -Dssm4j.shared or SSM4J_SHARED "
                + "to the directory holding fixtures/");
    }

    /** A file or directory under {@code shared/fixtures}. */
    public static Path fixture(String name) {
        return root().resolve("fixtures").resolve(name);
    }

    /** The tiny Mamba-1 reference model: {@code config.json}, {@code model.safetensors}, {@code reference.safetensors}. */
    public static Path mambaTiny() {
        return fixture("mamba-tiny");
    }
}
