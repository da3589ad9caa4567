package org.ssm4j.kernels.cuda;

/**
 * How the sequence is cut for a launch: {@code count} chunks of {@code length} steps (the
 * last may be shorter), scanned in parallel and chained by a combine pass when count > 1.
 */
record Chunking(int count, int length) {

    /** About {@code wanted} chunks whose length is a multiple of {@code multiple}, covering {@code steps}. */
    static Chunking of(int steps, int wanted, int multiple) {
        int target = Math.max(1, wanted);
        long per = ((long) steps + target - 1) / target;
        long length = Math.min((per + multiple - 1) / multiple * multiple, (long) Integer.MAX_VALUE);
        int len = (int) Math.max(length, 1);
        return new Chunking((int) (((long) steps + len - 1) / len), len);
    }
}
