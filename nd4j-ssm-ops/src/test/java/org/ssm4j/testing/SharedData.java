package org.ssm4j.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the read-only reference data the tests of every module share: the system property
 * {@code ssm4j.shared} (set by the build to {@code ../shared}) if that directory exists, else
 * the environment variable {@code SSM4J_SHARED} if that one does, else {@code /work/shared}.
 * Other modules get this class through nd4j-ssm-ops' test jar.
 */
public final class SharedData {

    private SharedData() {
    }

    /** The shared directory (it need not exist: the methods below say what is missing). */
    public static Path root() {
        for (String candidate : new String[]{System.getProperty("ssm4j.shared"), System.getenv("SSM4J_SHARED")}) {
            if (candidate != null && Files.isDirectory(Path.of(candidate))) {
                return Path.of(candidate).toAbsolutePath().normalize();
            }
        }
        return Path.of("/work/shared");
    }

    /**
     * A file or directory under {@code shared/fixtures}.
     *
     * @param relative e.g. {@code "scan_plain.safetensors"}
     * @throws IllegalStateException if it does not exist
     */
    public static Path fixture(String relative) {
        return existing(root().resolve("fixtures").resolve(relative));
    }

    /** The tiny Mamba-1 reference model: {@code config.json}, {@code model.safetensors}, {@code reference.safetensors}. */
    public static Path mambaTiny() {
        return fixture("mamba-tiny");
    }

    /**
     * The folder of the shared datasets ({@code tinyshakespeare/}, {@code mnist/}, {@code fsdd/}, ...).
     *
     * @throws IllegalStateException if it does not exist
     */
    public static Path datasets() {
        return existing(root().resolve("datasets"));
    }

    /**
     * A file or directory under {@code shared/datasets}.
     *
     * @param relative e.g. {@code "mnist"} or {@code "tokenizers/gpt-neox-20b/tokenizer.json"}
     * @throws IllegalStateException if it does not exist
     */
    public static Path dataset(String relative) {
        return existing(datasets().resolve(relative));
    }

    private static Path existing(Path path) {
        if (!Files.exists(path)) {
            throw new IllegalStateException("shared test data missing: " + path
                    + " (set -Dssm4j.shared or SSM4J_SHARED to the shared folder)");
        }
        return path;
    }
}
