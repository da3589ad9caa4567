package org.ssm4j.kernels;

import java.util.Locale;

/**
 * A system property that switches something on or off: {@code true} or {@code false}, in any
 * case and with surrounding blanks; any other value is refused with an error naming the
 * property, so that a mistyped switch does not silently keep its default.
 */
public final class OnOffProperty {

    private OnOffProperty() {
    }

    /** The property {@code name}'s value, or {@code whenAbsent} where it is not set. */
    public static boolean read(String name, boolean whenAbsent) {
        String value = System.getProperty(name);
        return value == null ? whenAbsent : parse(name, value);
    }

    /**
     * {@code value} read as the property {@code name}.
     *
     * @throws IllegalArgumentException unless it is true or false, naming the property and the value
     */
    public static boolean parse(String name, String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("true") || v.equals("false")) {
            return v.equals("true");
        }
        throw new IllegalArgumentException(name + " must be true or false, got '" + value + "'");
    }
}
