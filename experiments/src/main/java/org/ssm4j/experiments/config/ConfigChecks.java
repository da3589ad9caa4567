package org.ssm4j.experiments.config;

/** Range checks shared by the config records; each names the key and the value it got. */
final class ConfigChecks {
    private ConfigChecks() {
    }

    static int positive(String key, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be > 0, got " + value);
        }
        return value;
    }

    static int nonNegative(String key, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(key + " must be >= 0, got " + value);
        }
        return value;
    }

    static double positive(String key, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(key + " must be a finite number > 0, got " + value);
        }
        return value;
    }

    static double nonNegative(String key, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(key + " must be a finite number >= 0, got " + value);
        }
        return value;
    }

    static double inRange(String key, double value, double lowInclusive, double highExclusive) {
        if (!(value >= lowInclusive && value < highExclusive)) {
            throw new IllegalArgumentException(key + " must be in [" + lowInclusive + ", " + highExclusive + "), got " + value);
        }
        return value;
    }

    static <T> T orDefault(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
