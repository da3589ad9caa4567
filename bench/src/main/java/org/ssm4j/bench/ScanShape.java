package org.ssm4j.bench;

/**
 * The sizes of one selective scan benchmarked.
 *
 * @param batch    batch size
 * @param channels channels (d_inner)
 * @param state    state size N
 * @param length   sequence length
 */
public record ScanShape(int batch, int channels, int state, int length) {

    public ScanShape {
        if (batch < 1 || channels < 1 || state < 1 || length < 1) {
            throw new IllegalArgumentException("every size must be at least 1: batch " + batch + ", channels "
                    + channels + ", state " + state + ", length " + length);
        }
        if ((long) batch * length * channels > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("batch x length x channels = " + (long) batch * length * channels
                    + " exceeds 2^31 - 1 elements");
        }
    }

    /** (channel, state, token) triples: the unit the scan's cost is quoted in. */
    public long elements() {
        return (long) batch * channels * state * length;
    }

    /** Elements of one (batch, length, channels) tensor. */
    public long sequenceElements() {
        return (long) batch * length * channels;
    }

    @Override
    public String toString() {
        return "batch " + batch + ", channels " + channels + ", state " + state + ", length " + length;
    }
}
