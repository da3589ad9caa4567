package org.ssm4j.kernels.cpu;

import org.ssm4j.kernels.ScanBackward;
import org.ssm4j.kernels.ScanForward;
import org.ssm4j.kernels.ScanSpec;

import java.lang.foreign.MemorySegment;

/**
 * The arithmetic of one CPU kernel on {@link ChannelBlock}s; {@link ParallelScan} decides
 * which blocks and step ranges are scanned when and on which thread.
 *
 * <p>A block's state (the scan state h in the forward pass, the carried gradient
 * {@code a_{t} G_{t}} in the backward pass) travels between calls as a {@code double[]} of
 * {@link Pass#stateSize()} elements in the arithmetic's own order.
 */
interface BlockArithmetic {

    /** The most channels one block holds. */
    int blockWidth();

    /** The forward pass over the given buffers (already checked against the spec). */
    ForwardPass forward(ScanSpec spec, ScanForward buffers);

    /** The backward pass over the given buffers (already checked against the spec). */
    BackwardPass backward(ScanSpec spec, ScanBackward buffers);

    /** What both passes do with block states. */
    interface Pass {

        /** Elements of one block state. */
        int stateSize();

        /** A block's rows of a (batch, channels, state) tensor, or zeros if {@code states} is null. */
        double[] readState(ChannelBlock block, MemorySegment states);

        /** Writes a block state into its rows of a (batch, channels, state) tensor. */
        void writeState(ChannelBlock block, double[] state, MemorySegment states);

        /**
         * Applies the scan's associative operator: {@code state = exp(A * deltaSum) * state + local},
         * per channel and state, where {@code deltaSum[i]} is the sum of channel
         * {@code channel0 + i}'s delta' over a chunk (so {@code exp(A * deltaSum)} is the
         * product of the chunk's decays) and {@code local} the chunk's result from a zero start.
         */
        void chain(ChannelBlock block, double[] deltaSum, double[] local, double[] state);
    }

    /** The forward pass. */
    interface ForwardPass extends Pass {

        /** Scratch buffers for one task; not thread-safe. */
        ForwardWorker worker();
    }

    /** The forward arithmetic of one task, with its scratch buffers. */
    interface ForwardWorker {

        /**
         * Scans steps {@code [t0, t1)} of a block from {@code state}, leaving the end state in
         * it and adding each channel's delta' over the steps to {@code deltaSum}. With
         * {@code writeOutputs} it also writes y and the checkpoints of the steps.
         */
        void scan(ChannelBlock block, int t0, int t1, double[] state, boolean writeOutputs, double[] deltaSum);
    }

    /** The backward pass. */
    interface BackwardPass extends Pass {

        /** Scratch buffers for one task; not thread-safe. */
        BackwardWorker worker();
    }

    /** The backward arithmetic of one task, with its scratch buffers. */
    interface BackwardWorker {

        /**
         * The backward pass over steps {@code [t0, t1)} of one checkpoint interval
         * ({@code t0} a multiple of it, {@code t1 - t0} at most it): recomputes the states from
         * the checkpoint, writes du, ddelta and dz of the steps, adds the block's dA, dD and
         * d(delta_bias) to {@code gradients} and its dB, dC terms to the group sums.
         *
         * @param carry in: {@code a_{t1} G_{t1}} (the last-state gradient at the end);
         *              out: {@code a_{t0} G_{t0}}
         */
        void backward(ChannelBlock block, int t0, int t1, double[] carry, ChannelGradients gradients);

        /**
         * Only the carried gradient over steps {@code [t0, t1)} (any range), adding each
         * channel's delta' to {@code deltaSum}; writes nothing.
         */
        void carry(ChannelBlock block, int t0, int t1, double[] carry, double[] deltaSum);

        /**
         * Adds the group sums of steps {@code [t0, t1)} gathered since the last flush to
         * {@code dB} and {@code dC}, indexed {@code t * state + n}, and clears them.
         */
        void flushGroupSums(int t0, int t1, double[] dB, double[] dC);
    }
}
