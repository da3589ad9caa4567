package org.ssm4j.datasets;

import java.util.Objects;

/**
 * Where a converted dataset comes from, for its card: the command that created it and the
 * license of the source data as far as the user knows it.
 *
 * @param command the creation command (for example the {@code ./mamba data prepare ...} line),
 *     or a description of the API call
 * @param license the source data's license, or {@code "unknown"}
 */
public record Provenance(String command, String license) {

    /** The license text used when none is given. */
    public static final String UNKNOWN_LICENSE = "unknown";

    public Provenance {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(license, "license");
    }

    /**
     * @param command the creation command
     * @return a provenance with an unknown license
     */
    public static Provenance of(String command) {
        return new Provenance(command, UNKNOWN_LICENSE);
    }
}
