package org.ssm4j.kernels.cuda;

/**
 * How the sequence is cut for a launch: {@code count} chunks of {@code length} steps (the last may
 * be shorter), scanned in parallel and chained by a combine pass when count > 1. With end chunks
 * ({@code first} > 0; the channel-per-thread forward only), chunk 0 has {@code first} steps and runs
 * its main pass in the summary launch, the next {@code longer} chunks have one tile more than
 * {@code length}, and the last chunk, the remainder, runs first in the main launch: neither has a
 * summary ({@link LaunchPolicy#endChunks}).
 */
record Chunking(int count, int length, int first, int longer) {

    Chunking {
        if (count < 1 || length < 1 || first < 0 || longer < 0) {
            throw new IllegalArgumentException("chunking needs count >= 1, length >= 1, first >= 0 and longer >= 0, got "
                    + count + ", " + length + ", " + first + ", " + longer);
        }
        if (first > 0 && count < 3) {
            throw new IllegalArgumentException("end chunks need a summarised chunk between them (count >= 3), got count="
                    + count);
        }
    }

    /** {@code count} chunks of {@code length} steps, the last the remainder. */
    Chunking(int count, int length) {
        this(count, length, 0, 0);
    }

    boolean hasEndChunks() {
        return first > 0;
    }

    /** About {@code wanted} chunks whose length is a multiple of {@code multiple}, covering {@code steps}. */
    static Chunking of(int steps, int wanted, int multiple) {
        int target = Math.max(1, wanted);
        long per = ((long) steps + target - 1) / target;
        long length = Math.min((per + multiple - 1) / multiple * multiple, (long) Integer.MAX_VALUE);
        int len = (int) Math.max(length, 1);
        return new Chunking((int) (((long) steps + len - 1) / len), len);
    }
}
