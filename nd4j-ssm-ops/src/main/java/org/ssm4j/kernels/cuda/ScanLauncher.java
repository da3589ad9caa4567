package org.ssm4j.kernels.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import org.ssm4j.kernels.ElementType;
import org.ssm4j.kernels.ScanSpec;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.ssm4j.kernels.cuda.ScanParams.Int;
import static org.ssm4j.kernels.cuda.ScanParams.Pointer;

/**
 * Launches the forward and backward scans on device buffers, asynchronously on a stream:
 * the chunk summary, combine and main passes, the zeroing of the fp32 gradient sums and, for
 * bfloat16, their conversion. Workspaces are stream-ordered allocations from the module's pool,
 * freed on the same stream; the pool keeps their memory mapped for the next call. On compute
 * capability 9.0 and newer the combine and main passes of a chunked scan are programmatic
 * dependent launches (each waits for its predecessor inside the kernel), so that their launch
 * and prologue overlap the end of the pass before; {@code -Dssm4j.cuda.dependentLaunch=false}
 * turns that off.
 */
final class ScanLauncher {

    private static final int HELPER_BLOCK = 256;

    private final ScanModule module;
    private final CudaDriver driver;

    ScanLauncher(ScanModule module) {
        this.module = module;
        this.driver = module.driver();
    }

    static String typeName(ElementType type) {
        return switch (type) {
            case FLOAT32 -> "f32";
            case BFLOAT16 -> "bf16";
            case FLOAT64 -> throw new IllegalArgumentException("the CUDA selective scan handles FLOAT32 and BFLOAT16, got "
                    + type);
        };
    }

    void forward(ScanSpec spec, ElementType type, DeviceForward buf, MemorySegment stream) {
        requirePresent("u", buf.u(), true);
        requirePresent("delta", buf.delta(), true);
        requirePresent("A", buf.a(), true);
        requirePresent("B", buf.b(), true);
        requirePresent("C", buf.c(), true);
        requirePresent("D", buf.d(), spec.hasD());
        requirePresent("z", buf.z(), spec.hasZ());
        requirePresent("deltaBias", buf.deltaBias(), spec.hasDeltaBias());
        requirePresent("initialState", buf.initialState(), spec.hasInitialState());
        requirePresent("y", buf.y(), true);
        requirePresent("lastState", buf.lastState(), true);
        String tn = typeName(type);
        boolean aligned16 = LongStream.of(buf.u(), buf.delta(), buf.z(), buf.b(), buf.c(), buf.y(), buf.lastState(),
                buf.checkpoints()).allMatch(pointer -> pointer % 16 == 0);
        module.makeCurrent();
        int resident = module.scanKernel(LaunchPolicy.CHANNEL_PER_THREAD.kernel("ssm_scan_fwdsum", tn), stream)
                .residentBlocks();
        KernelShape shape = LaunchPolicy.forwardShape(spec, type, aligned16, resident);
        Chunking chunks = LaunchPolicy.forwardChunks(spec, type, shape, resident);
        List<Long> workspaces = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            ScanParams p = sizes(new ScanParams(arena), spec, chunks)
                    .set(Pointer.U, buf.u()).set(Pointer.DELTA, buf.delta()).set(Pointer.A, buf.a())
                    .set(Pointer.B, buf.b()).set(Pointer.C, buf.c()).set(Pointer.D, buf.d()).set(Pointer.Z, buf.z())
                    .set(Pointer.DELTA_BIAS, buf.deltaBias()).set(Pointer.H0, buf.initialState())
                    .set(Pointer.Y, buf.y()).set(Pointer.LAST_STATE, buf.lastState())
                    .set(Pointer.CHECKPOINTS, buf.checkpoints())
                    .set(Int.FLAGS, flags(spec) | (buf.checkpoints() != 0 ? ScanParams.FLAG_CHECKPOINTS : 0));
            boolean keepDelta = LaunchPolicy.keepsDelta(spec, shape, chunks);
            String main = shape.kernel(keepDelta ? "ssm_scan_fwdk"
                    : spec.checkpointInterval() % 16 == 0 ? "ssm_scan_fwd" : "ssm_scan_fwdg", tn);
            if (chunks.count() > 1) {
                chunkWorkspaces(p, spec, chunks, stream, workspaces);
                if (keepDelta) {
                    p.set(Pointer.SCRATCH, alloc(LaunchPolicy.keptDeltaFloats(spec), stream, workspaces));
                }
                // every chunk but the last (with end chunks, chunk 0 runs its main pass there)
                launchScan(shape.kernel("ssm_scan_fwdsum", tn), spec, chunks.count() - 1, p, stream, false);
                launchCombine("ssm_scan_fwdcombine_" + tn, spec, p, stream);
            }
            // with end chunks, every chunk but chunk 0, the last first
            launchScan(main, spec, chunks.hasEndChunks() ? chunks.count() - 1 : chunks.count(), p, stream,
                    chunks.count() > 1);
        } finally {
            workspaces.forEach(w -> driver.freeAsync(w, stream));
        }
    }

    void backward(ScanSpec spec, ElementType type, DeviceBackward buf, MemorySegment stream) {
        requirePresent("u", buf.u(), true);
        requirePresent("delta", buf.delta(), true);
        requirePresent("A", buf.a(), true);
        requirePresent("B", buf.b(), true);
        requirePresent("C", buf.c(), true);
        requirePresent("D", buf.d(), spec.hasD());
        requirePresent("z", buf.z(), spec.hasZ());
        requirePresent("deltaBias", buf.deltaBias(), spec.hasDeltaBias());
        requirePresent("initialState", buf.initialState(), spec.hasInitialState());
        requirePresent("checkpoints", buf.checkpoints(), true);
        requirePresent("dy", buf.dy(), true);
        requirePresent("du", buf.du(), true);
        requirePresent("dDelta", buf.dDelta(), true);
        requirePresent("dA", buf.dA(), true);
        requirePresent("dB", buf.dB(), true);
        requirePresent("dC", buf.dC(), true);
        requirePresent("dD", buf.dD(), spec.hasD());
        requirePresent("dZ", buf.dZ(), spec.hasZ());
        requirePresent("dDeltaBias", buf.dDeltaBias(), spec.hasDeltaBias());
        requirePresent("dInitialState", buf.dInitialState(), spec.hasInitialState());
        String tn = typeName(type);
        KernelShape shape = LaunchPolicy.backwardShape(spec.state());
        Chunking chunks = LaunchPolicy.backwardChunks(spec, shape);
        module.makeCurrent();
        List<Long> workspaces = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            long dA = (long) spec.channels() * spec.state();
            long dBC = (long) spec.batch() * spec.length() * spec.groups() * spec.state();
            long dD = spec.channels();
            boolean f32 = type == ElementType.FLOAT32;
            // fp32 sums: the outputs themselves for FLOAT32, workspaces converted afterwards for BFLOAT16.
            long[] sums = {
                f32 ? buf.dA() : alloc(dA, stream, workspaces),
                f32 ? buf.dB() : alloc(dBC, stream, workspaces),
                f32 ? buf.dC() : alloc(dBC, stream, workspaces),
                !spec.hasD() ? 0 : f32 ? buf.dD() : alloc(dD, stream, workspaces),
                !spec.hasDeltaBias() ? 0 : f32 ? buf.dDeltaBias() : alloc(dD, stream, workspaces)};
            long[] counts = {dA, dBC, dBC, dD, dD};
            for (int i = 0; i < sums.length; i++) {
                if (sums[i] != 0) {
                    driver.fill32(sums[i], 0, counts[i], stream);
                }
            }
            String name = shape.kernel("ssm_scan_bwd", tn);
            ScanModule.Kernel kernel = module.scanKernel(name, stream);
            int tiles = spec.checkpointInterval() > kernel.stepsPerTile()
                    ? (Math.min(spec.checkpointInterval(), spec.length()) + kernel.stepsPerTile() - 1) / kernel.stepsPerTile() - 1
                    : 0;
            ScanParams p = sizes(new ScanParams(arena), spec, chunks)
                    .set(Pointer.U, buf.u()).set(Pointer.DELTA, buf.delta()).set(Pointer.A, buf.a())
                    .set(Pointer.B, buf.b()).set(Pointer.C, buf.c()).set(Pointer.D, buf.d()).set(Pointer.Z, buf.z())
                    .set(Pointer.DELTA_BIAS, buf.deltaBias()).set(Pointer.H0, buf.initialState())
                    .set(Pointer.CHECKPOINTS, buf.checkpoints()).set(Pointer.DY, buf.dy())
                    .set(Pointer.D_LAST, buf.dLastState()).set(Pointer.DU, buf.du()).set(Pointer.D_DELTA, buf.dDelta())
                    .set(Pointer.DZ, buf.dZ()).set(Pointer.D_H0, buf.dInitialState())
                    .set(Pointer.DA, sums[0]).set(Pointer.DB, sums[1]).set(Pointer.DC, sums[2])
                    .set(Pointer.DD, sums[3]).set(Pointer.D_BIAS, sums[4])
                    .set(Int.FLAGS, flags(spec) | (buf.dLastState() != 0 ? ScanParams.FLAG_D_LAST : 0))
                    .set(Int.SCRATCH_TILES, tiles);
            if (tiles > 0) {
                p.set(Pointer.SCRATCH, alloc((long) spec.batch() * chunks.count() * tiles * spec.channels()
                        * kernel.statesPerChannel(), stream, workspaces));
            }
            if (chunks.count() > 1) {
                chunkWorkspaces(p, spec, chunks, stream, workspaces);
                launchScan(shape.kernel("ssm_scan_bwdsum", tn), spec, chunks.count() - 1, p, stream, false);
                launchCombine("ssm_scan_bwdcombine_" + tn, spec, p, stream);
            }
            launchScan(name, spec, chunks.count(), p, stream, chunks.count() > 1);
            if (!f32) {
                long[] outputs = {buf.dA(), buf.dB(), buf.dC(), buf.dD(), buf.dDeltaBias()};
                for (int i = 0; i < sums.length; i++) {
                    if (sums[i] != 0) {
                        convert(sums[i], outputs[i], counts[i], stream, arena);
                    }
                }
            }
        } finally {
            workspaces.forEach(w -> driver.freeAsync(w, stream));
        }
    }

    private static int flags(ScanSpec spec) {
        return (spec.deltaSoftplus() ? ScanParams.FLAG_SOFTPLUS : 0) | (spec.hasD() ? ScanParams.FLAG_D : 0)
                | (spec.hasZ() ? ScanParams.FLAG_Z : 0) | (spec.hasDeltaBias() ? ScanParams.FLAG_BIAS : 0)
                | (spec.hasInitialState() ? ScanParams.FLAG_H0 : 0);
    }

    private static ScanParams sizes(ScanParams p, ScanSpec spec, Chunking chunks) {
        return p.set(Int.BATCH, spec.batch()).set(Int.LENGTH, spec.length()).set(Int.CHANNELS, spec.channels())
                .set(Int.STATE, spec.state()).set(Int.GROUPS, spec.groups()).set(Int.INTERVAL, spec.checkpointInterval())
                .set(Int.CHUNK_LEN, chunks.length()).set(Int.CHUNKS, chunks.count())
                .set(Int.FIRST_LEN, chunks.first()).set(Int.LONG_CHUNKS, chunks.longer());
    }

    private void chunkWorkspaces(ScanParams p, ScanSpec spec, Chunking chunks, MemorySegment stream, List<Long> owned) {
        long states = LaunchPolicy.chunkStateFloats(spec, chunks);
        p.set(Pointer.CHUNK_STATE, alloc(states, stream, owned))
                .set(Pointer.CHUNK_DSUM, alloc(LaunchPolicy.chunkDsumFloats(spec, chunks), stream, owned))
                .set(Pointer.CHUNK_START, alloc(states, stream, owned));
    }

    private long alloc(long floats, MemorySegment stream, List<Long> owned) {
        long pointer = driver.mallocAsync(Math.max(4, 4 * floats), module.workspacePool(), stream);
        owned.add(pointer);
        return pointer;
    }

    /**
     * Launches a scan pass; {@code afterCombine}: it follows the combine pass, whose results it
     * waits for itself, so it may be a dependent launch.
     */
    private void launchScan(String name, ScanSpec spec, int chunks, ScanParams p, MemorySegment stream,
                            boolean afterCombine) {
        ScanModule.Kernel k = module.scanKernel(name, stream);
        int tilesPerGroup = (spec.channelsPerGroup() + k.channelsPerBlock() - 1) / k.channelsPerBlock();
        launch(afterCombine, k, spec.groups() * tilesPerGroup, spec.batch(), chunks, k.threads(), k.sharedBytes(),
                stream, p.segment());
    }

    /** The combine pass, one thread per (batch, channel, state entry), after the summary pass. */
    private void launchCombine(String name, ScanSpec spec, ScanParams p, MemorySegment stream) {
        long threads = (long) spec.batch() * spec.channels() * spec.state();
        long blocks = (threads + HELPER_BLOCK - 1) / HELPER_BLOCK;
        if (blocks > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + ": " + threads + " threads exceed one launch");
        }
        launch(true, module.helperKernel(name), (int) blocks, 1, 1, HELPER_BLOCK, 0, stream, p.segment());
    }

    /**
     * A launch; {@code dependent}: the kernel waits for its predecessor's results itself
     * ({@code griddepcontrol.wait}), so where the module allows it, it is launched as a
     * programmatic dependent launch and its start overlaps the predecessor's last blocks.
     */
    private void launch(boolean dependent, ScanModule.Kernel k, int gridX, int gridY, int gridZ, int block,
                        int sharedBytes, MemorySegment stream, MemorySegment... args) {
        if (dependent && module.dependentLaunch()) {
            driver.launchDependent(k.name(), k.function(), gridX, gridY, gridZ, block, sharedBytes, stream, args);
        } else {
            driver.launch(k.name(), k.function(), gridX, gridY, gridZ, block, sharedBytes, stream, args);
        }
    }

    private void convert(long source, long destination, long count, MemorySegment stream, Arena arena) {
        MemorySegment src = arena.allocateFrom(JAVA_LONG, source);
        MemorySegment dst = arena.allocateFrom(JAVA_LONG, destination);
        MemorySegment n = arena.allocateFrom(JAVA_LONG, count);
        ScanModule.Kernel k = module.helperKernel("ssm_f32_to_bf16");
        int blocks = (int) Math.min(4096, (count + HELPER_BLOCK - 1) / HELPER_BLOCK);
        driver.launch(k.name(), k.function(), Math.max(1, blocks), 1, 1, HELPER_BLOCK, 0, stream, src, dst, n);
    }

    private static void requirePresent(String name, long pointer, boolean expected) {
        if (expected && pointer == 0) {
            throw new IllegalArgumentException("device buffer " + name + " is required by the spec but is 0");
        }
        if (!expected && pointer != 0) {
            throw new IllegalArgumentException("device buffer " + name + " must be 0 (absent per the spec), got 0x"
                    + Long.toHexString(pointer));
        }
    }
}
