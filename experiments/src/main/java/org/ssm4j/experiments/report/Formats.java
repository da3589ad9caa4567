package org.ssm4j.experiments.report;

import java.util.Locale;

/** Number formats shared by reports and the command line. */
public final class Formats {
    private Formats() {
    }

    /** An accuracy as 0.0000, or "—" if absent. */
    public static String accuracy(double value) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%.4f", value) : "—";
    }

    /** A loss with 4 significant decimals, or "—" if absent. */
    public static String loss(double value) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%.4g", value) : "—";
    }

    /** A rate or count with thousands separators, or "—" if absent. */
    public static String count(double value) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%,.0f", value) : "—";
    }

    /** Bytes as MiB, or "—" if unknown (negative). */
    public static String mebibytes(long bytes) {
        return bytes < 0 ? "—" : String.format(Locale.ROOT, "%,d", bytes >> 20);
    }
}
