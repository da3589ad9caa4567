package org.ssm4j.kernels.cuda;

import org.ssm4j.kernels.ScanSpec;

/**
 * Which kernel shape and how many sequence chunks a problem gets. The numbers come from the
 * H200 measurements in {@code docs/cuda.md}; {@code bench/cuda/scan_bench.py} applies the
 * same policy when it times "policy" runs.
 */
final class LaunchPolicy {

    /** The largest state size the compiled kernels hold. */
    static final int MAX_STATE = 64;
    /** Forward tile and the alignment of forward chunks. */
    static final int FORWARD_TILE = 32;
    /** Backward tile: an interval of at most this many steps needs no extra pass. */
    static final int BACKWARD_TILE = 16;

    private LaunchPolicy() {
    }

    static KernelShape forwardShape(int state) {
        return state <= 16 ? new KernelShape(4, 4, 32) : wideShape(state);
    }

    static KernelShape backwardShape(int state) {
        return state <= 16 ? new KernelShape(8, 2, 16) : wideShape(state);
    }

    private static KernelShape wideShape(int state) {
        if (state <= 32) {
            return new KernelShape(16, 2, 16);
        }
        if (state <= MAX_STATE) {
            return new KernelShape(16, 4, 16);
        }
        throw new IllegalArgumentException("the CUDA selective scan holds a state of at most " + MAX_STATE
                + " entries, got state=" + state);
    }

    /** Thread blocks a launch of one chunk needs: batch rows times channel tiles (a tile never spans two groups). */
    static int blocksPerChunk(ScanSpec spec, KernelShape shape) {
        int tilesPerGroup = (spec.channelsPerGroup() + shape.channelsPerBlock() - 1) / shape.channelsPerBlock();
        return spec.batch() * spec.groups() * tilesPerGroup;
    }

    /** Forward: one chunk when the batch fills the GPU, else about 1024 blocks of chunks of at least 256 steps. */
    static Chunking forwardChunks(ScanSpec spec, KernelShape shape) {
        int blocks = blocksPerChunk(spec, shape);
        int wanted = blocks >= 256 ? 1 : Math.min((1024 + blocks - 1) / blocks, Math.max(1, spec.length() / 256));
        return Chunking.of(spec.length(), wanted, FORWARD_TILE);
    }

    /**
     * Backward: one chunk when the batch gives at least 768 blocks, else about 1536 blocks, chunks of
     * whole checkpoint intervals and at least 256 steps.
     */
    static Chunking backwardChunks(ScanSpec spec, KernelShape shape) {
        int blocks = blocksPerChunk(spec, shape);
        int wanted = blocks >= 768 ? 1 : Math.min((1536 + blocks - 1) / blocks, Math.max(1, spec.length() / 256));
        return Chunking.of(spec.length(), wanted, spec.checkpointInterval());
    }
}
