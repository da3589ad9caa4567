package org.ssm4j.kernels;

/**
 * What a selective scan produced (or should produce), as doubles in the kernels'
 * channels-last layout; gradients of absent inputs are null, and so is everything not computed.
 */
public record ScanResult(double[] y, double[] lastState, double[] checkpoints,
                         double[] du, double[] dDelta, double[] dA, double[] dB, double[] dC,
                         double[] dD, double[] dZ, double[] dDeltaBias, double[] dInitialState) {

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
