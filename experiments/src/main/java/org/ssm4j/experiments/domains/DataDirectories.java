package org.ssm4j.experiments.domains;

import org.jspecify.annotations.Nullable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the domain experiments find raw datasets and keep the Arrow files prepared from them.
 *
 * <p>A config's {@code data_dir}, when given, is used as it is (relative to the working
 * directory). Without it the data directory is the first that exists of:
 * {@code ../shared/datasets} relative to the repository root (the nearest directory at or above
 * the working directory holding {@code mvnw}; the working directory if none does), then
 * {@code datasets} inside the directory of the system property {@code ssm4j.shared} or of the
 * environment variable {@code SSM4J_SHARED}.
 */
public final class DataDirectories {

    /** The default data directory, relative to the repository root. */
    public static final String DEFAULT_DATA_DIR = "../shared/datasets";

    private DataDirectories() {
    }

    /**
     * The data directory for a config's {@code data_dir}.
     *
     * @param configured the config's value, or null for the default
     * @throws IllegalArgumentException if the directory does not exist (naming every place looked at)
     */
    public static Path dataDirectory(@Nullable String configured) {
        if (configured != null) {
            Path dir = Path.of(configured).toAbsolutePath().normalize();
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException("task.data_dir " + dir + " is not a directory");
            }
            return dir;
        }
        List<Path> candidates = new ArrayList<>();
        candidates.add(repositoryRoot().resolve(DEFAULT_DATA_DIR).normalize());
        for (String shared : new String[]{System.getProperty("ssm4j.shared"), System.getenv("SSM4J_SHARED")}) {
            if (shared != null && !shared.isBlank()) {
                candidates.add(Path.of(shared).toAbsolutePath().resolve("datasets").normalize());
            }
        }
        for (Path candidate : candidates) {
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalArgumentException("no data directory found (looked at " + candidates
                + "); set task.data_dir in the config, or SSM4J_SHARED to the folder holding datasets/");
    }

    /**
     * Where the Arrow files prepared from {@code dataset} go: {@code cache_dir/<folder>} when a
     * config gives {@code cache_dir}, else {@code <run directory>/data/<folder>}.
     */
    public static Path preparedDirectory(@Nullable String cacheDir, Path runDir, StandardDataset dataset) {
        Path base = cacheDir != null ? Path.of(cacheDir) : runDir.resolve("data");
        return base.toAbsolutePath().normalize().resolve(dataset.folder());
    }

    private static Path repositoryRoot() {
        Path cwd = Path.of("").toAbsolutePath();
        for (Path dir = cwd; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("mvnw"))) {
                return dir;
            }
        }
        return cwd;
    }
}
