package org.ssm4j.kernels;

import java.lang.reflect.RecordComponent;

/**
 * What a selective scan produced (or should produce), as doubles in the kernels'
 * channels-last layout; gradients of absent inputs are null, and so is everything not computed.
 */
public record ScanResult(double[] y, double[] lastState, double[] checkpoints,
                         double[] du, double[] dDelta, double[] dA, double[] dB, double[] dC,
                         double[] dD, double[] dZ, double[] dDeltaBias, double[] dInitialState) {

    /**
     * Asserts that every array {@code expected} holds (each component, by name) is within
     * {@code tolerance} relative error ({@link #relativeError}) of this result's; arrays
     * {@code expected} lacks (null) are not compared.
     *
     * @throws AssertionError naming the first array that is missing here or too far off
     */
    public void assertCloseTo(ScanResult expected, double tolerance) {
        for (RecordComponent component : ScanResult.class.getRecordComponents()) {
            try {
                check(component.getName(), (double[]) component.getAccessor().invoke(this),
                        (double[]) component.getAccessor().invoke(expected), tolerance);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + component, e);
            }
        }
    }

    private static void check(String what, double[] actual, double[] expected, double tolerance) {
        if (expected == null) {
            return;
        }
        if (actual == null) {
            throw new AssertionError(what + " was expected but not computed");
        }
        double err = relativeError(actual, expected);
        if (!(err < tolerance)) {
            throw new AssertionError(what + ": relative error " + err + " >= " + tolerance);
        }
    }

    /** ||actual - expected|| / ||expected||. */
    public static double relativeError(double[] actual, double[] expected) {
        if (actual.length != expected.length) {
            throw new AssertionError("length " + actual.length + " != expected " + expected.length);
        }
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < actual.length; i++) {
            double e = actual[i] - expected[i];
            diff += e * e;
            norm += expected[i] * expected[i];
        }
        return norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
    }
}
