package org.ssm4j.kernels.cuda;

import java.util.Optional;

import org.ssm4j.kernels.ElementType;
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
    /**
     * The forward with one thread per channel holding all 16 state entries: faster than the
     * standard shape on few rows cut into enough chunks (on the H200 by 4 to 17% from a grid of
     * 256 blocks, slower below; {@code docs/cuda.md}, round 10); on many rows it leaves too few warps.
     */
    static final KernelShape CHANNEL_PER_THREAD = new KernelShape(1, 16, 128);
    /** The channel-per-thread forward's tile: its checkpoints fall on tile starts. */
    static final int CHANNEL_PER_THREAD_TILE = 8;
    /** Blocks of a forward shape from which one chunk fills the GPU. */
    private static final int FILLING_BLOCKS = 256;
    /** The smallest grid (blocks per chunk times chunks) for which the channel-per-thread forward is taken. */
    private static final int CHANNEL_PER_THREAD_MIN_GRID = 256;
    /** The blocks a chunked forward launch aims at. */
    private static final int CHUNKED_FORWARD_BLOCKS = 1024;
    /** The shortest forward chunk of the channel-per-thread shape (256 for the standard shapes). */
    private static final int CHANNEL_PER_THREAD_MIN_CHUNK = 128;
    /** The chunk length whole-wave chunking aims at: it adds waves while chunks stay this long. */
    private static final int WHOLE_WAVE_CHUNK = 480;
    /** The fewest waves of a whole-wave summary launch (one wave measured slower on the H200). */
    private static final int MIN_WAVES = 2;
    /**
     * A summary step's time over a main-pass step's that computes delta' (chunk 0's with end chunks):
     * the bfloat16 long row was fastest from 0.6 to 0.8 on the H200 ({@code docs/cuda.md}, version 51).
     */
    static final double SUMMARY_STEP_COST = 0.7;

    private LaunchPolicy() {
    }

    static KernelShape forwardShape(int state) {
        return state <= 16 ? new KernelShape(4, 4, 32) : wideShape(state);
    }

    /**
     * The forward shape for a problem: {@link #CHANNEL_PER_THREAD} for state 16 when the standard
     * shape would cut the rows into chunks, the channels per group are a multiple of 32, the
     * checkpoint interval is a multiple of its tile, the tensors are 16-byte aligned
     * ({@code aligned16}) and its chunked grid reaches {@value #CHANNEL_PER_THREAD_MIN_GRID} blocks;
     * else {@link #forwardShape(int)}. {@code residentBlocks}: how many blocks of the
     * channel-per-thread summary kernel the device holds at once (SMs times blocks per SM).
     */
    static KernelShape forwardShape(ScanSpec spec, ElementType type, boolean aligned16, int residentBlocks) {
        KernelShape standard = forwardShape(spec.state());
        boolean fits = spec.state() == CHANNEL_PER_THREAD.states() && spec.channelsPerGroup() % 32 == 0
                && spec.checkpointInterval() % CHANNEL_PER_THREAD_TILE == 0 && aligned16;
        if (!fits || blocksPerChunk(spec, standard) >= FILLING_BLOCKS) {
            return standard;
        }
        long grid = (long) blocksPerChunk(spec, CHANNEL_PER_THREAD)
                * forwardChunks(spec, type, CHANNEL_PER_THREAD, residentBlocks).count();
        return grid >= CHANNEL_PER_THREAD_MIN_GRID ? CHANNEL_PER_THREAD : standard;
    }

    /**
     * Whether the chunked {@link #CHANNEL_PER_THREAD} forward keeps delta' (softplus(delta + bias),
     * float32) from its summary pass for its main pass ({@code ssm_scan_fwdk}), which then skips the
     * softplus: 2.4% faster on the H200's bfloat16 1 x 2048 x 16384 ({@code docs/cuda.md}, version
     * 45). Taken while the forward's workspaces, the kept delta' ({@link #keptDeltaFloats}) and the
     * chunk summaries, fit the memory the module's pool keeps mapped between calls
     * ({@link ScanModule#WORKSPACE_POOL_KEEP_BYTES}): beyond it every call would map its workspace
     * again.
     */
    static boolean keepsDelta(ScanSpec spec, KernelShape shape, Chunking chunks) {
        if (!shape.equals(CHANNEL_PER_THREAD) || chunks.count() < 2) {
            return false;
        }
        long floats = keptDeltaFloats(spec) + 2 * chunkStateFloats(spec, chunks) + chunkDsumFloats(spec, chunks);
        return 4 * floats <= ScanModule.WORKSPACE_POOL_KEEP_BYTES;
    }

    /** One chunk-state workspace of a chunked pass (the summaries' end states, or the combined starts) in floats. */
    static long chunkStateFloats(ScanSpec spec, Chunking chunks) {
        return chunkDsumFloats(spec, chunks) * spec.state();
    }

    /** The summaries' delta sums of a chunked pass in floats: one per (batch row, chunk, channel). */
    static long chunkDsumFloats(ScanSpec spec, Chunking chunks) {
        return (long) spec.batch() * chunks.count() * spec.channels();
    }

    /** The kept delta''s workspace in floats: one per element of delta. */
    static long keptDeltaFloats(ScanSpec spec) {
        return (long) spec.batch() * spec.length() * spec.channels();
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

    /**
     * Forward: one chunk when the batch fills the GPU, else about {@value #CHUNKED_FORWARD_BLOCKS}
     * blocks of chunks of at least 256 steps (128 for {@link #CHANNEL_PER_THREAD}, whose blocks hold
     * four times the channels). The channel-per-thread forward first tries {@link #endChunks} for
     * bfloat16 (for float32 they measured 2.5% slower on the H200's 1 x 2048 x 16384 and no faster
     * on 1 x 1536 x 131072, {@code docs/cuda.md}, version 51), then {@link #wholeWaves}.
     * {@code residentBlocks}: how many blocks of the channel-per-thread summary kernel the device
     * holds at once (SMs times blocks per SM); the standard shapes do not use it.
     */
    static Chunking forwardChunks(ScanSpec spec, ElementType type, KernelShape shape, int residentBlocks) {
        if (residentBlocks <= 0) {
            throw new IllegalArgumentException("residentBlocks must be positive, got " + residentBlocks);
        }
        int blocks = blocksPerChunk(spec, shape);
        boolean perThread = shape.equals(CHANNEL_PER_THREAD);
        if (perThread && blocks < FILLING_BLOCKS) {
            Optional<Chunking> waves = type == ElementType.BFLOAT16
                    ? endChunks(spec.length(), blocks, residentBlocks).or(() -> wholeWaves(spec.length(), blocks, residentBlocks))
                    : wholeWaves(spec.length(), blocks, residentBlocks);
            if (waves.isPresent()) {
                return waves.get();
            }
        }
        int minSteps = perThread ? CHANNEL_PER_THREAD_MIN_CHUNK : 256;
        int wanted = blocks >= FILLING_BLOCKS ? 1
                : Math.min((CHUNKED_FORWARD_BLOCKS + blocks - 1) / blocks, Math.max(1, spec.length() / minSteps));
        return Chunking.of(spec.length(), wanted, FORWARD_TILE);
    }

    /**
     * Channel-per-thread chunks (a multiple of its tile, at least
     * {@value #CHANNEL_PER_THREAD_MIN_CHUNK} steps) whose summary launch, which covers every chunk
     * but the last, fills whole waves of {@code residentBlocks}: as many waves as keep the chunks
     * {@value #WHOLE_WAVE_CHUNK} steps long, at least {@value #MIN_WAVES}; at most that many
     * summarised chunks, the last chunk the remainder. Empty when such chunks would be too short.
     * On the H200 (528 resident blocks) this cuts 1 x 2048 x 16384 into 67 chunks of 248 steps
     * (66 summarised: two waves; 2 to 3% faster than 64 chunks of 256) and 1 x 2048 x 65536 into
     * 133 chunks of 496 (four waves; 2% faster than two) ({@code docs/cuda.md}, versions 33 and 36).
     */
    static Optional<Chunking> wholeWaves(int steps, int blocksPerChunk, int residentBlocks) {
        long waves = summaryWaves(steps, blocksPerChunk, residentBlocks);
        long summarised = waves * residentBlocks / blocksPerChunk;
        if (summarised < 1) {
            return Optional.empty();
        }
        Chunking chunks = Chunking.of(steps, (int) summarised + 1, CHANNEL_PER_THREAD_TILE);
        return chunks.length() >= CHANNEL_PER_THREAD_MIN_CHUNK ? Optional.of(chunks) : Optional.empty();
    }

    /**
     * Channel-per-thread chunks with end chunks: chunk 0, whose start is known, runs its main pass in
     * the summary launch on one block slot per channel tile for the whole launch, beside the middle
     * chunks' summaries on the other slots; the last chunk, which needs no summary, runs first in the
     * main launch, again on one slot per tile for the whole launch, beside the middle chunks' main
     * passes. So neither end chunk is summarised, and each is about as long as its launch lasts (two
     * middle chunks or more), where uniform chunks summarise all but a remainder. Each launch holds
     * {@code waves} of {@code (residentBlocks - blocksPerChunk) / blocksPerChunk} middle chunks; a
     * block slot of either launch then carries {@code waves} middle chunks, the last chunk that many
     * steps, chunk 0 {@link #SUMMARY_STEP_COST} times them. Middle chunks are a multiple of the tile;
     * the first {@code longer} of them are one tile longer, so that the row is cut as evenly as the
     * tile allows. On the H200 (528 resident blocks) 1 x 2048 x 16384 gets chunk 0 of 344 steps, 24
     * middle chunks of 248 and 40 of 240, and a last chunk of 488: for bfloat16 1.6 to 1.9% faster than
     * 67 uniform chunks of 248 ({@code docs/cuda.md}, version 51). Empty when middle chunks would be
     * shorter than {@value #CHANNEL_PER_THREAD_MIN_CHUNK} steps or chunk 0 shorter than a tile.
     */
    static Optional<Chunking> endChunks(int steps, int blocksPerChunk, int residentBlocks) {
        int perWave = (residentBlocks - blocksPerChunk) / blocksPerChunk;
        if (perWave < 1) {
            return Optional.empty();
        }
        long waves = summaryWaves(steps, blocksPerChunk, residentBlocks);
        long middle = waves * perWave;
        double per = steps / (perWave + 1 + SUMMARY_STEP_COST) / waves;
        int tile = CHANNEL_PER_THREAD_TILE;
        long length = (long) (per / tile) * tile;
        if (length < CHANNEL_PER_THREAD_MIN_CHUNK) {
            return Optional.empty();
        }
        long longer = (long) ((per - length) * middle / tile);
        long slot = waves * length + tile * ((longer + perWave - 1) / perWave);
        long first = (steps - middle * length - tile * longer - slot) / tile * tile;
        return first < tile ? Optional.empty()
                : Optional.of(new Chunking((int) middle + 2, (int) length, (int) first, (int) longer));
    }

    /**
     * The waves of a channel-per-thread summary launch: as many as keep its chunks about
     * {@value #WHOLE_WAVE_CHUNK} steps long, at least {@value #MIN_WAVES}.
     */
    private static long summaryWaves(int steps, int blocksPerChunk, int residentBlocks) {
        return Math.max(MIN_WAVES, (long) steps * blocksPerChunk / ((long) WHOLE_WAVE_CHUNK * residentBlocks));
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
