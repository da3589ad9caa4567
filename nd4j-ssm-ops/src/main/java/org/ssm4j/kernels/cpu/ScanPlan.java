package org.ssm4j.kernels.cpu;

import org.ssm4j.kernels.ScanSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * How a CPU kernel splits one scan into tasks.
 *
 * <p>Each group's channels are cut into blocks of at most the kernel's block width (a block
 * never spans two groups, so it reads one B and C row), and the blocks of each batch row and
 * group into units. When the blocks alone cannot keep the threads busy (few channels), the
 * length is also cut into chunks of whole checkpoint intervals that are scanned in parallel
 * and joined with the scan's associative operator ({@link ParallelScan}).
 *
 * @param units              the units, ordered by batch row, group and channel
 * @param chunks             number of length chunks, 1 for the channel-parallel path
 * @param intervalsPerChunk  checkpoint intervals per chunk (the last chunk may have fewer)
 */
record ScanPlan(List<ScanUnit> units, int chunks, int intervalsPerChunk) {

    /** Chunking pays once the threads outnumber the blocks this many times (pass 1 costs ~0.8 of a scan). */
    static final int CHUNKING_MIN_THREADS_PER_BLOCK = 3;

    ScanPlan {
        units = List.copyOf(units);
    }

    /**
     * Plans a scan.
     *
     * @param blockWidth  the most channels one block holds
     * @param parallelism the threads available
     * @param forceChunks a number of length chunks to use regardless of the heuristic, or 0
     */
    static ScanPlan of(ScanSpec spec, int blockWidth, int parallelism, int forceChunks) {
        int perGroup = spec.channelsPerGroup();
        int blocksPerGroup = (perGroup + blockWidth - 1) / blockWidth;
        long rows = (long) spec.batch() * spec.groups();
        long blocks = rows * blocksPerGroup;
        int intervals = spec.checkpoints();
        int chunks;
        if (forceChunks > 0) {
            chunks = Math.min(forceChunks, intervals);
        } else if (blocks * CHUNKING_MIN_THREADS_PER_BLOCK <= parallelism && intervals > 1) {
            chunks = (int) Math.min(intervals, (2L * parallelism + blocks - 1) / blocks);
        } else {
            chunks = 1;
        }
        int intervalsPerChunk = (intervals + chunks - 1) / chunks;
        chunks = (intervals + intervalsPerChunk - 1) / intervalsPerChunk;
        // Units: one block each when chunking (few blocks), else enough units for about two tasks per thread.
        int unitsPerRow = chunks > 1 ? blocksPerGroup
                : (int) Math.min(blocksPerGroup, Math.max(1, (2L * parallelism + rows - 1) / rows));
        List<ScanUnit> units = new ArrayList<>();
        for (int b = 0; b < spec.batch(); b++) {
            int column = 0;
            for (int g = 0; g < spec.groups(); g++) {
                List<ChannelBlock> row = new ArrayList<>(blocksPerGroup);
                for (int i = 0; i < blocksPerGroup; i++) {
                    int c0 = g * perGroup + i * blockWidth;
                    row.add(new ChannelBlock(b, g, column++, c0, Math.min(blockWidth, (g + 1) * perGroup - c0)));
                }
                for (int u = 0; u < unitsPerRow; u++) {
                    units.add(new ScanUnit(row.subList(u * blocksPerGroup / unitsPerRow, (u + 1) * blocksPerGroup / unitsPerRow)));
                }
            }
        }
        return new ScanPlan(units, chunks, intervalsPerChunk);
    }

    /** Number of blocks in one batch row (the columns). */
    static int columns(ScanSpec spec, int blockWidth) {
        return spec.groups() * ((spec.channelsPerGroup() + blockWidth - 1) / blockWidth);
    }

    /** First step of a chunk. */
    int chunkStart(ScanSpec spec, int chunk) {
        return Math.min(spec.length(), chunk * intervalsPerChunk * spec.checkpointInterval());
    }

    /** One past the last step of a chunk. */
    int chunkEnd(ScanSpec spec, int chunk) {
        return chunkStart(spec, chunk + 1);
    }
}
