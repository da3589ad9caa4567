package org.ssm4j.kernels.cuda;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.ssm4j.kernels.ElementType;
import org.ssm4j.kernels.ScanBackward;
import org.ssm4j.kernels.ScanForward;
import org.ssm4j.kernels.ScanSpec;
import org.ssm4j.kernels.SelectiveScanKernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the CUDA path does without a GPU: availability, layouts, launch policy, the device switch. */
class CudaSelectiveScanTest {

    /** Blocks of the channel-per-thread summary kernel an H200 holds at once: 132 SMs x 4. */
    private static final int H200_RESIDENT = 528;

    @Test
    void availabilityNeverThrowsAndOpenReportsTheReason() {
        CudaAvailability availability = CudaSelectiveScan.availability();
        assertFalse(availability.reason().isBlank());
        if (!availability.available()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> CudaSelectiveScan.open(0));
            assertTrue(e.getMessage().contains(availability.reason()), e.getMessage());
            IllegalStateException d = assertThrows(IllegalStateException.class, () -> CudaDevice.open(0));
            assertTrue(d.getMessage().contains(availability.reason()), d.getMessage());
        }
    }

    @Test
    void devicesOlderThanTheCubinsAreRefusedByName() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ScanModule.requireSupported(1, "Tesla T4", 7, 5));
        assertTrue(e.getMessage().contains("CUDA device 1 (Tesla T4) has compute capability 7.5"), e.getMessage());
        assertTrue(e.getMessage().contains("need 8.0 or newer"), e.getMessage());
        ScanModule.requireSupported(0, "NVIDIA A100", 8, 0);
        ScanModule.requireSupported(0, "NVIDIA L4", 8, 9);
        ScanModule.requireSupported(0, "NVIDIA H200", 9, 0);
        ScanModule.requireSupported(0, "NVIDIA B200", 10, 0);
    }

    @Test
    void paramsLayoutMatchesTheCStruct() {
        // selective_scan.cu: static_assert(sizeof(ScanParams) == 264), offsetof(batch) == 216
        assertEquals(264, ScanParams.BYTES);
        assertEquals(216, ScanParams.INTS_OFFSET);
        try (Arena arena = Arena.ofConfined()) {
            ScanParams p = new ScanParams(arena)
                    .set(ScanParams.Pointer.U, 0x1234_5678_9ABCL)
                    .set(ScanParams.Pointer.CHUNK_START, -1L)
                    .set(ScanParams.Int.BATCH, 7)
                    .set(ScanParams.Int.CHUNKS, 9);
            assertEquals(0x1234_5678_9ABCL, p.segment().get(java.lang.foreign.ValueLayout.JAVA_LONG, 0));
            assertEquals(-1L, p.segment().get(java.lang.foreign.ValueLayout.JAVA_LONG, 208));
            assertEquals(7, p.segment().get(java.lang.foreign.ValueLayout.JAVA_INT, 216));
            assertEquals(9, p.segment().get(java.lang.foreign.ValueLayout.JAVA_INT, 252));
        }
    }

    @Test
    void paramsFieldsAreTheCStructsInItsOrder() throws IOException {
        String source = Files.readString(Path.of("src/main/cuda/selective_scan.cu"));
        Matcher struct = Pattern.compile("struct ScanParams \\{(.*?)\\n\\};", Pattern.DOTALL).matcher(source);
        assertTrue(struct.find(), "struct ScanParams in selective_scan.cu");
        List<String> cFields = new ArrayList<>();
        Matcher field = Pattern.compile("^\\s*[\\w* ]+?\\b(\\w+);", Pattern.MULTILINE).matcher(struct.group(1));
        while (field.find()) {
            cFields.add(field.group(1).replace("_", "").toLowerCase(Locale.ROOT));
        }
        List<String> javaFields = new ArrayList<>();
        for (Enum<?> e : ScanParams.Pointer.values()) {
            javaFields.add(e.name().replace("_", "").toLowerCase(Locale.ROOT));
        }
        for (Enum<?> e : ScanParams.Int.values()) {
            javaFields.add(e.name().replace("_", "").toLowerCase(Locale.ROOT));
        }
        assertEquals(cFields, javaFields);
        assertTrue(source.contains("sizeof(ScanParams) == " + ScanParams.BYTES + ","), "the C struct's size assertion");
    }

    @Test
    void launchConfigLayoutsMatchCudaH() {
        // cuda.h: CUlaunchConfig is 7 unsigned ints, the stream at 32, attrs at 40, numAttrs at 48, 56 bytes;
        // CUlaunchAttribute is the id, 4 bytes of padding and a 64-byte value union, 72 bytes.
        assertEquals(56, CudaDriver.LAUNCH_CONFIG.byteSize());
        assertEquals(24, CudaDriver.offset(CudaDriver.LAUNCH_CONFIG, "sharedMemBytes"));
        assertEquals(32, CudaDriver.offset(CudaDriver.LAUNCH_CONFIG, "hStream"));
        assertEquals(40, CudaDriver.offset(CudaDriver.LAUNCH_CONFIG, "attrs"));
        assertEquals(48, CudaDriver.offset(CudaDriver.LAUNCH_CONFIG, "numAttrs"));
        assertEquals(72, CudaDriver.LAUNCH_ATTRIBUTE.byteSize());
        assertEquals(8, CudaDriver.offset(CudaDriver.LAUNCH_ATTRIBUTE, "value"));
        assertEquals(6, CudaDriver.LAUNCH_ATTR_PROGRAMMATIC_STREAM_SERIALIZATION);
    }

    @Test
    void dependentLaunchesNeedHopperTheDriverCallAndTheSwitchOn() {
        assertTrue(ScanModule.dependentLaunch("true", 9, true));
        assertTrue(ScanModule.dependentLaunch(" TRUE ", 10, true));
        assertFalse(ScanModule.dependentLaunch("true", 8, true), "sm_80 / sm_86 have no griddepcontrol");
        assertFalse(ScanModule.dependentLaunch("true", 9, false), "a driver without cuLaunchKernelEx");
        assertFalse(ScanModule.dependentLaunch("false", 9, true));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ScanModule.dependentLaunch("yes", 9, true));
        assertTrue(e.getMessage().contains("ssm4j.cuda.dependentLaunch must be true or false, got 'yes'"),
                e.getMessage());
    }

    @Test
    void kernelShapesHoldTheState() {
        assertEquals(new KernelShape(4, 4, 32), LaunchPolicy.forwardShape(16));
        assertEquals(new KernelShape(8, 2, 16), LaunchPolicy.backwardShape(1));
        assertEquals(new KernelShape(16, 2, 16), LaunchPolicy.forwardShape(17));
        assertEquals(new KernelShape(16, 4, 16), LaunchPolicy.backwardShape(64));
        assertEquals("ssm_scan_bwd_bf16_l8_s2_c16", LaunchPolicy.backwardShape(16).kernel("ssm_scan_bwd", "bf16"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LaunchPolicy.forwardShape(65));
        assertTrue(e.getMessage().contains("at most 64") && e.getMessage().contains("state=65"), e.getMessage());
    }

    @Test
    void fewRowsOfStateSixteenTakeTheChannelPerThreadForward() {
        KernelShape perThread = LaunchPolicy.CHANNEL_PER_THREAD;
        KernelShape standard = LaunchPolicy.forwardShape(16);
        ScanSpec longRow = spec(1, 16384, 2048, 16, 1, 16);
        assertEquals(perThread, aligned(longRow));
        assertEquals("ssm_scan_fwdsum_bf16_l1_s16_c128", perThread.kernel("ssm_scan_fwdsum", "bf16"));
        assertEquals(standard, LaunchPolicy.forwardShape(longRow, ElementType.FLOAT32, false, H200_RESIDENT), "a misaligned tensor");
        assertEquals(standard, aligned(spec(8, 2048, 1536, 16, 1, 16)), "many rows");
        assertEquals(standard, aligned(spec(1, 16384, 2048, 8, 1, 16)), "state 8");
        assertEquals(standard, aligned(spec(1, 16384, 96, 16, 2, 16)), "48 channels per group");
        assertEquals(standard, aligned(spec(1, 16384, 2048, 16, 1, 12)), "interval 12");
        assertEquals(perThread, aligned(spec(1, 16384, 2048, 16, 1, 24)), "interval 24");
        assertEquals(standard, aligned(spec(1, 2048, 768, 16, 1, 16)), "a grid of 96 blocks");
        assertEquals(perThread, aligned(spec(1, 8192, 768, 16, 1, 16)), "a grid of 384 blocks");
        Chunking chunks = LaunchPolicy.forwardChunks(longRow, ElementType.FLOAT32, perThread, H200_RESIDENT);
        assertTrue(chunks.count() > 1 && chunks.length() % LaunchPolicy.CHANNEL_PER_THREAD_TILE == 0, chunks::toString);
    }

    @Test
    void channelPerThreadSummariesFillWholeWaves() {
        KernelShape perThread = LaunchPolicy.CHANNEL_PER_THREAD;
        // 16 blocks per chunk, 528 resident: 66 summarised chunks of 248 steps are two waves, the 67th is the rest
        assertEquals(new Chunking(67, 248), LaunchPolicy.forwardChunks(spec(1, 16384, 2048, 16, 1, 16), ElementType.FLOAT32, perThread, H200_RESIDENT));
        // longer rows take more waves while the chunks stay about 480 steps: four waves of 132 chunks of 496
        assertEquals(new Chunking(133, 496), LaunchPolicy.forwardChunks(spec(1, 65536, 2048, 16, 1, 16), ElementType.FLOAT32, perThread, H200_RESIDENT));
        // 12 blocks per chunk: six waves, 264 summarised chunks of 496 steps
        assertEquals(new Chunking(265, 496), LaunchPolicy.forwardChunks(spec(1, 131072, 1536, 16, 1, 16), ElementType.FLOAT32, perThread, H200_RESIDENT));
        // another device: 108 SMs x 4 blocks, two waves of 432: 53 summarised chunks of 304 steps (848 blocks)
        assertEquals(new Chunking(54, 304), LaunchPolicy.forwardChunks(spec(1, 16384, 2048, 16, 1, 16), ElementType.FLOAT32, perThread, 432));
        forEachChunking(CHUNKED_ROWS, LaunchPolicy::wholeWaves, (steps, blocks, resident, k) -> {
            long summary = (long) (k.count() - 1) * blocks;
            long whole = (summary + resident - 1) / resident * resident;
            assertTrue(summary >= 0.9 * whole - blocks, () -> "summary launch of " + summary + " blocks leaves its last wave part empty: " + k);
            assertTrue(k.length() >= 128 && k.length() % LaunchPolicy.CHANNEL_PER_THREAD_TILE == 0, k::toString);
            assertTrue((long) k.count() * k.length() >= steps && (long) (k.count() - 1) * k.length() < steps,
                    k::toString);
        });
        // chunks that would be shorter than 128 steps: the plain rule (32 chunks of 128 on this row)
        assertTrue(LaunchPolicy.wholeWaves(4096, 20, H200_RESIDENT).isEmpty());
        assertEquals(new Chunking(32, 128), LaunchPolicy.forwardChunks(spec(1, 4096, 2560, 16, 1, 16), ElementType.FLOAT32, perThread, H200_RESIDENT));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LaunchPolicy.forwardChunks(spec(1, 4096, 2560, 16, 1, 16), ElementType.FLOAT32, perThread, 0));
        assertTrue(e.getMessage().contains("residentBlocks"), e.getMessage());
    }

    @Test
    void bfloat16ChannelPerThreadForwardTakesEndChunks() {
        KernelShape perThread = LaunchPolicy.CHANNEL_PER_THREAD;
        ScanSpec longRow = spec(1, 16384, 2048, 16, 1, 16);
        // chunk 0 of 344 steps (0.7 of a slot's 488), 24 middle chunks of 248 and 40 of 240, the last of 488
        Chunking ends = LaunchPolicy.forwardChunks(longRow, ElementType.BFLOAT16, perThread, H200_RESIDENT);
        assertEquals(new Chunking(66, 240, 344, 24), ends);
        assertTrue(ends.hasEndChunks());
        assertEquals(perThread, LaunchPolicy.forwardShape(longRow, ElementType.BFLOAT16, true, H200_RESIDENT));
        assertTrue(LaunchPolicy.keepsDelta(longRow, perThread, ends));
        assertFalse(LaunchPolicy.forwardChunks(longRow, ElementType.FLOAT32, perThread, H200_RESIDENT).hasEndChunks(),
                "float32 measured slower with end chunks");
        int tile = LaunchPolicy.CHANNEL_PER_THREAD_TILE;
        int[][] rows = Stream.concat(Arrays.stream(CHUNKED_ROWS),
                Stream.of(new int[] {16383, 16}, new int[] {16384, 16, 432}, new int[] {20000, 100})).toArray(int[][]::new);
        forEachChunking(rows, LaunchPolicy::endChunks, (steps, blocks, resident, k) -> {
            int perWave = (resident - blocks) / blocks;
            int middle = k.count() - 2;
            assertEquals(0, middle % perWave, () -> "whole waves of middle chunks: " + k);
            int waves = middle / perWave;
            long covered = k.first() + (long) middle * k.length() + (long) tile * k.longer();
            long last = steps - covered;
            int slot = waves * k.length() + tile * ((k.longer() + perWave - 1) / perWave);
            assertTrue(k.length() >= 128 && k.length() % tile == 0 && k.first() % tile == 0, k::toString);
            assertTrue(k.longer() < middle, k::toString);
            assertTrue(last >= slot && last < slot + tile, () -> "the last chunk as long as a main-launch slot: " + k);
            assertTrue(k.first() <= LaunchPolicy.SUMMARY_STEP_COST * slot + tile
                    && k.first() >= LaunchPolicy.SUMMARY_STEP_COST * slot - 2 * tile - tile * middle / perWave,
                    () -> "chunk 0 about " + LaunchPolicy.SUMMARY_STEP_COST + " of a slot: " + k);
        });
        assertTrue(LaunchPolicy.endChunks(4096, 20, H200_RESIDENT).isEmpty(), "middle chunks under 128 steps");
        assertTrue(LaunchPolicy.endChunks(16384, 300, H200_RESIDENT).isEmpty(), "no slot beside an end chunk's blocks");
        assertEquals(new Chunking(32, 128), LaunchPolicy.forwardChunks(spec(1, 4096, 2560, 16, 1, 16),
                ElementType.BFLOAT16, perThread, H200_RESIDENT), "uniform chunks where end chunks do not fit");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Chunking(2, 128, 64, 0));
        assertTrue(e.getMessage().contains("count >= 3") && e.getMessage().contains("count=2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Chunking(4, 128, -8, 0));
        assertTrue(e.getMessage().contains("first >= 0"), e.getMessage());
    }

    @Test
    void chunkedChannelPerThreadForwardKeepsDeltaWhileItsWorkspacesStayMapped() {
        KernelShape perThread = LaunchPolicy.CHANNEL_PER_THREAD;
        ScanSpec longRow = spec(1, 16384, 2048, 16, 1, 16);
        Chunking chunks = LaunchPolicy.forwardChunks(longRow, ElementType.FLOAT32, perThread, H200_RESIDENT);
        // 134 MB of delta' and 18 MB of chunk summaries: under the pool's 256 MiB
        assertTrue(LaunchPolicy.keepsDelta(longRow, perThread, chunks));
        assertEquals("ssm_scan_fwdk_bf16_l1_s16_c128", perThread.kernel("ssm_scan_fwdk", "bf16"));
        assertFalse(LaunchPolicy.keepsDelta(longRow, perThread, new Chunking(1, 16384)), "one chunk has no summary pass");
        assertFalse(LaunchPolicy.keepsDelta(longRow, LaunchPolicy.forwardShape(16), new Chunking(16, 1024)),
                "the standard shape");
        ScanSpec longer = spec(1, 131072, 1536, 16, 1, 16);  // 805 MB of delta'
        assertFalse(LaunchPolicy.keepsDelta(longer, perThread, LaunchPolicy.forwardChunks(longer, ElementType.FLOAT32, perThread, H200_RESIDENT)));
        // the boundary: the long row's 32 Mi floats of delta' leave 32 Mi for the summaries, 33 floats per
        // channel and chunk (two states of 16 and a delta sum): 496 chunks fit, 497 do not
        assertTrue(LaunchPolicy.keepsDelta(longRow, perThread, new Chunking(496, 40)));
        assertFalse(LaunchPolicy.keepsDelta(longRow, perThread, new Chunking(497, 40)));
        assertEquals(2L * 301 * 64, LaunchPolicy.keptDeltaFloats(spec(2, 301, 64, 16, 1, 16)));
    }

    /** Rows cut into channel-per-thread chunks: (steps, blocks per chunk), on the H200's resident blocks. */
    private static final int[][] CHUNKED_ROWS = {{16384, 16}, {16384, 12}, {32768, 16}, {65536, 16}, {131072, 12},
        {50000, 7}, {9000, 24}};

    /** A chunking rule of {@link LaunchPolicy}: (steps, blocks per chunk, resident blocks) to chunks, or none. */
    private interface ChunkingRule {
        Optional<Chunking> apply(int steps, int blocksPerChunk, int residentBlocks);
    }

    /** Checks of the chunks a rule gives a row. */
    private interface ChunkingCheck {
        void accept(int steps, int blocksPerChunk, int residentBlocks, Chunking chunks);
    }

    /**
     * Runs {@code check} on the chunks {@code rule} gives each row (steps, blocks per chunk and, as a
     * third entry, resident blocks, the H200's without), where it gives any.
     */
    private static void forEachChunking(int[][] rows, ChunkingRule rule, ChunkingCheck check) {
        for (int[] c : rows) {
            int resident = c.length > 2 ? c[2] : H200_RESIDENT;
            rule.apply(c[0], c[1], resident).ifPresent(k -> check.accept(c[0], c[1], resident, k));
        }
    }

    private static ScanSpec spec(int batch, int length, int channels, int state, int groups, int interval) {
        return new ScanSpec(batch, length, channels, state, groups, true, true, true, true, false, interval);
    }

    private static KernelShape aligned(ScanSpec spec) {
        return LaunchPolicy.forwardShape(spec, ElementType.FLOAT32, true, H200_RESIDENT);
    }

    @Test
    void chunksCoverTheSequenceInWholeMultiples() {
        int[][] cases = {{2048, 1, 32}, {16384, 16, 32}, {131072, 22, 32}, {300, 3, 128}, {77, 5, 37}, {5, 9, 16}};
        for (int[] c : cases) {
            Chunking k = Chunking.of(c[0], c[1], c[2]);
            assertEquals(0, k.length() % c[2], () -> "length of " + k);
            assertTrue((long) k.count() * k.length() >= c[0] && (long) (k.count() - 1) * k.length() < c[0], k::toString);
        }
        ScanSpec single = new ScanSpec(8, 2048, 1536, 16, 1, true, true, true, true, false, 16);
        assertEquals(1, LaunchPolicy.forwardChunks(single, ElementType.FLOAT32, LaunchPolicy.forwardShape(16), H200_RESIDENT).count());
        assertEquals(1, LaunchPolicy.backwardChunks(single, LaunchPolicy.backwardShape(16)).count(),
                "768 backward blocks fill the GPU without chunks");
        ScanSpec longRow = new ScanSpec(1, 16384, 2048, 16, 1, true, true, true, true, false, 128);
        Chunking backward = LaunchPolicy.backwardChunks(longRow, LaunchPolicy.backwardShape(16));
        assertTrue(backward.count() > 1, backward::toString);
        assertEquals(0, backward.length() % 128, "backward chunks hold whole checkpoint intervals");
    }

    @Test
    void deviceSwitchDefaultsToTheCpuAndRejectsUnknownValues() {
        SelectiveScanKernel cpu = new SelectiveScanKernel() {
            @Override
            public String name() {
                return "cpu-for-test";
            }

            @Override
            public boolean supports(ElementType type) {
                return true;
            }

            @Override
            public void forward(ScanSpec spec, ScanForward buffers) {
                throw new UnsupportedOperationException("not run by this test");
            }

            @Override
            public void backward(ScanSpec spec, ScanBackward buffers) {
                throw new UnsupportedOperationException("not run by this test");
            }
        };
        String saved = System.getProperty(CudaScanKernels.DEVICE_PROPERTY);
        try {
            System.clearProperty(CudaScanKernels.DEVICE_PROPERTY);
            assertSame(cpu, CudaScanKernels.select(ElementType.FLOAT32, cpu));
            System.setProperty(CudaScanKernels.DEVICE_PROPERTY, "CPU");
            assertSame(cpu, CudaScanKernels.select(ElementType.FLOAT64, cpu));
            System.setProperty(CudaScanKernels.DEVICE_PROPERTY, "tpu");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CudaScanKernels.select(ElementType.FLOAT32, cpu));
            assertTrue(e.getMessage().contains("'tpu'"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> CudaScanKernels.cudaOrdinal("cuda:-1"));
            assertEquals(2, CudaScanKernels.cudaOrdinal("cuda:2"));
            if (!CudaSelectiveScan.availability().available()) {
                System.setProperty(CudaScanKernels.DEVICE_PROPERTY, "cuda");
                IllegalStateException unavailable = assertThrows(IllegalStateException.class,
                        () -> CudaScanKernels.select(ElementType.FLOAT32, cpu));
                assertTrue(unavailable.getMessage().contains("unavailable"), unavailable.getMessage());
            }
        } finally {
            if (saved == null) {
                System.clearProperty(CudaScanKernels.DEVICE_PROPERTY);
            } else {
                System.setProperty(CudaScanKernels.DEVICE_PROPERTY, saved);
            }
        }
    }
}
