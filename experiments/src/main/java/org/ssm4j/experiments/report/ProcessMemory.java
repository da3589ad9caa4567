package org.ssm4j.experiments.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's memory as Linux reports it in {@code /proc/self/status}. */
public final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessMemory() {
    }

    /**
     * Peak resident set size of this process so far ({@code VmHWM}): Java heap, ND4J's native
     * buffers and everything else, in bytes; -1 where {@code /proc} is not available.
     */
    public static long peakResidentBytes() {
        return statusBytes("VmHWM:");
    }

    /** The resident set size of this process now ({@code VmRSS}), in bytes; -1 where {@code /proc} is not available. */
    public static long currentResidentBytes() {
        return statusBytes("VmRSS:");
    }

    private static long statusBytes(String key) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(key)) {
                    String[] parts = line.substring(key.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
            return -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
