package org.ssm4j.datasets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Where a {@link BatchSource} stands, small enough to store in a training checkpoint: the
 * epoch, the number of examples of that epoch already served, and the seed that fixes every
 * epoch's order. Restoring it continues with exactly the batches that would have come next.
 *
 * @param epoch the current epoch, from 0
 * @param position examples of the current epoch already served, from 0
 * @param seed the shuffle seed
 */
public record IteratorState(long epoch, long position, long seed) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public IteratorState {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        if (position < 0) {
            throw new IllegalArgumentException("position must be >= 0, got " + position);
        }
    }

    /**
     * @param seed the shuffle seed
     * @return the state before the first batch
     */
    public static IteratorState start(long seed) {
        return new IteratorState(0, 0, seed);
    }

    /** @return this state as one line of JSON, e.g. {@code {"epoch":2,"position":640,"seed":7}} */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an iterator state is always serialisable", e);
        }
    }

    /**
     * @param json the output of {@link #toJson()}
     * @return the state
     * @throws IllegalArgumentException if the text is not such a state
     */
    public static IteratorState fromJson(String json) {
        try {
            return JSON.readValue(json, IteratorState.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not an iterator state (expected {\"epoch\":..,\"position\":..,"
                    + "\"seed\":..}): " + json, e);
        }
    }
}
