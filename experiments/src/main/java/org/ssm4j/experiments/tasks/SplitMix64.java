package org.ssm4j.experiments.tasks;

/**
 * A small seeded pseudo-random generator (Steele, Lea and Flood's SplitMix64) whose whole
 * state is one {@code long}, so a checkpoint can store it and a resumed run continues the
 * exact same stream. Not thread-safe.
 */
public final class SplitMix64 {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private long state;
    private double spareGaussian;
    private boolean hasSpareGaussian;

    /** A generator whose state is {@code state} (a seed or a value from {@link #state()}). */
    public SplitMix64(long state) {
        this.state = state;
    }

    /**
     * A generator for one named use of a seed: different {@code stream} values give
     * independent-looking streams from the same seed.
     */
    public static SplitMix64 forStream(long seed, long stream) {
        return new SplitMix64(mix(seed + mix(stream + GOLDEN_GAMMA)));
    }

    /**
     * The current state; {@code new SplitMix64(state())} continues the same stream (a pending
     * second Gaussian from {@link #nextGaussian()} is not part of the state: save it only
     * between whole draws of integers).
     */
    public long state() {
        return state;
    }

    /** The next 64 random bits. */
    public long nextLong() {
        state += GOLDEN_GAMMA;
        return mix(state);
    }

    /** A uniformly distributed int in {@code [0, bound)}, without modulo bias. */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        int limit = Integer.MAX_VALUE - (Integer.MAX_VALUE % bound);
        while (true) {
            int r = (int) (nextLong() >>> 33);
            if (r < limit) {
                return r % bound;
            }
        }
    }

    /** A uniformly distributed double in {@code [0, 1)} with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /**
     * A standard normal value (Marsaglia's polar method with {@link StrictMath}, so the values
     * are the same on every JVM).
     */
    public double nextGaussian() {
        if (hasSpareGaussian) {
            hasSpareGaussian = false;
            return spareGaussian;
        }
        double u;
        double v;
        double s;
        do {
            u = 2 * nextDouble() - 1;
            v = 2 * nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        double factor = StrictMath.sqrt(-2 * StrictMath.log(s) / s);
        spareGaussian = v * factor;
        hasSpareGaussian = true;
        return u * factor;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
