package org.ssm4j.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The buffers of one backward selective scan. Inputs as in {@link ScanForward} plus the saved
 * {@code checkpoints} and the incoming gradients; outputs are the gradients of every input
 * (garbage on entry: every element is written). A gradient output is {@code null} exactly
 * when its input is absent.
 *
 * @param dy        gradient of the loss with respect to y, (batch, length, channels)
 * @param dLastState gradient with respect to the last state, (batch, channels, state), or null (zeros)
 */
public record ScanBackward(ElementType type,
                           MemorySegment u, MemorySegment delta, MemorySegment a, MemorySegment b, MemorySegment c,
                           MemorySegment d, MemorySegment z, MemorySegment deltaBias, MemorySegment initialState,
                           MemorySegment checkpoints, MemorySegment dy, MemorySegment dLastState,
                           MemorySegment du, MemorySegment dDelta, MemorySegment dA, MemorySegment dB, MemorySegment dC,
                           MemorySegment dD, MemorySegment dZ, MemorySegment dDeltaBias, MemorySegment dInitialState) {
}
