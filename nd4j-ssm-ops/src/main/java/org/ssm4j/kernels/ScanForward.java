package org.ssm4j.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The buffers of one forward selective scan, laid out as {@link ScanSpec} describes. Optional
 * inputs are {@code null} exactly when the spec says they are absent. Outputs hold garbage on
 * entry: a kernel writes every element of {@code y}, {@code lastState} and {@code checkpoints}.
 *
 * @param type        element type of every buffer (the state is accumulated in at least float32)
 * @param u           (batch, length, channels)
 * @param delta       (batch, length, channels)
 * @param a           (channels, state)
 * @param b           (batch, length, groups, state)
 * @param c           (batch, length, groups, state)
 * @param d           (channels) or null
 * @param z           (batch, length, channels) or null
 * @param deltaBias   (channels) or null
 * @param initialState (batch, channels, state) or null
 * @param y           output (batch, length, channels)
 * @param lastState   output (batch, channels, state)
 * @param checkpoints output (batch, checkpoints, channels, state); may be null when no backward pass will follow
 */
public record ScanForward(ElementType type,
                          MemorySegment u, MemorySegment delta, MemorySegment a, MemorySegment b, MemorySegment c,
                          MemorySegment d, MemorySegment z, MemorySegment deltaBias, MemorySegment initialState,
                          MemorySegment y, MemorySegment lastState, MemorySegment checkpoints) {
}
