package org.ssm4j.datasets;

import java.util.Random;

/**
 * The order in which an epoch visits examples: a Fisher-Yates shuffle driven by
 * {@link java.util.Random} (whose algorithm the Java specification fixes, so the order is the
 * same on every JVM), seeded with a SplitMix64 mix of the seed and the epoch so that epochs and
 * neighbouring seeds give unrelated orders.
 */
public final class EpochOrder {

    private EpochOrder() {
    }

    /**
     * @param count the number of examples
     * @param seed the run's seed
     * @param epoch the epoch, from 0
     * @return a permutation of {@code 0..count-1}
     */
    public static int[] shuffled(int count, long seed, long epoch) {
        int[] order = identity(count);
        Random random = new Random(mix(seed + mix(epoch)));
        for (int i = count - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }

    /**
     * @param count the number of examples
     * @return {@code 0..count-1} in order
     */
    public static int[] identity(int count) {
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        return order;
    }

    /** SplitMix64's finaliser (Steele, Lea, Flood 2014). */
    static long mix(long value) {
        long z = value + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
