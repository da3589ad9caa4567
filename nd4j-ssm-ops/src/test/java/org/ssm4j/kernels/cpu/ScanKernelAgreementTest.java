package org.ssm4j.kernels.cpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.ssm4j.kernels.ElementType;
import org.ssm4j.kernels.ScanCase;
import org.ssm4j.kernels.ScanResult;
import org.ssm4j.kernels.ScanRunner;
import org.ssm4j.kernels.ScanSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The kernels agree with each other on random problems of awkward sizes: the Vector API
 * float kernel with the scalar double one, the chunked length path with the channel-parallel
 * one. Every output buffer starts as NaN ({@link ScanRunner}), so an element left unwritten fails.
 */
class ScanKernelAgreementTest {

    private static final ForkJoinPool THREADS = ScanThreads.newPool(3);
    private static final int K = 8;

    /** Sizes around the checkpoint interval and the vector width, with every option on or off. */
    static Stream<Arguments> specs() {
        List<Arguments> all = new ArrayList<>();
        int lanes = VectorScanKernel.lanes();
        int[][] shapes = {
                // batch, length, channels, state, groups
                {1, 1, 3, 4, 1}, {2, 2, lanes, 16, 1}, {1, K - 1, lanes + 3, 5, 1}, {2, K, 2 * lanes, 16, 2},
                {1, K + 1, 13, 16, 1}, {2, 3 * K + 5, 3 * lanes + 6, 8, 3}, {1, 5 * K, 6, 3, 2},
        };
        int variant = 0;
        for (int[] s : shapes) {
            for (int options = 0; options < 2; options++, variant++) {
                boolean on = options == 1;
                all.add(Arguments.of(new ScanSpec(s[0], s[1], s[2], s[3], s[4], on || variant % 3 == 0, on, on || variant % 4 == 1,
                        on, on || variant % 5 == 2, K)));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void vectorFloatAgreesWithScalarDouble(ScanSpec spec) {
        ScanCase sc = ScanCase.random(spec, spec.hashCode());
        ScanResult reference = ScanRunner.run(new ScalarScanKernel(THREADS, 0), sc, ElementType.FLOAT64);
        ScanResult vector = ScanRunner.run(new VectorScanKernel(THREADS, 0), sc, ElementType.FLOAT32);
        vector.assertCloseTo(reference, 2e-5);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void chunkedPathAgreesWithChannelParallelPath(ScanSpec spec) {
        ScanCase sc = ScanCase.random(spec, spec.hashCode() + 1);
        for (int chunks : new int[]{2, 3, 100}) {
            ScanResult whole = ScanRunner.run(new ScalarScanKernel(THREADS, 0), sc, ElementType.FLOAT64);
            ScanResult chunked = ScanRunner.run(new ScalarScanKernel(THREADS, chunks), sc, ElementType.FLOAT64);
            chunked.assertCloseTo(whole, 1e-12);
            ScanResult wholeVector = ScanRunner.run(new VectorScanKernel(THREADS, 0), sc, ElementType.FLOAT32);
            ScanResult chunkedVector = ScanRunner.run(new VectorScanKernel(THREADS, chunks), sc, ElementType.FLOAT32);
            chunkedVector.assertCloseTo(wholeVector, 1e-5);
        }
    }

    @Test
    void planChunksOnlyWhenTheBlocksCannotFeedTheThreads() {
        ScanSpec few = new ScanSpec(1, 4096, 16, 16, 1, true, true, true, true, false, 128);
        ScanSpec many = new ScanSpec(4, 4096, 1536, 16, 1, true, true, true, true, false, 128);
        ScanPlan fewOnMany = ScanPlan.of(few, 16, 16, 0);
        assertEquals(32, fewOnMany.chunks(), "1 block, 16 threads: two chunks per thread");
        assertEquals(1, fewOnMany.units().size());
        assertEquals(1, ScanPlan.of(few, 16, 2, 0).chunks(), "1 block, 2 threads: chunking does not pay");
        ScanPlan manyOnFew = ScanPlan.of(many, 16, 2, 0);
        assertEquals(1, manyOnFew.chunks());
        assertEquals(4, manyOnFew.units().size(), "one unit per batch row already gives two tasks per thread");
        assertEquals(96, manyOnFew.units().getFirst().blocks().size());
        assertEquals(7, ScanPlan.of(new ScanSpec(1, 100, 16, 4, 1, false, false, false, false, false, 16), 16, 2, 50).chunks(),
                "forced chunks are capped by the checkpoint intervals");
    }

    @Test
    void blocksNeverSpanGroups() {
        ScanSpec spec = new ScanSpec(2, 10, 30, 4, 3, false, false, false, false, false, 8);
        for (ScanUnit unit : ScanPlan.of(spec, 16, 2, 0).units()) {
            for (ChannelBlock block : unit.blocks()) {
                assertEquals(block.channel0() / 10, (block.channel0() + block.width() - 1) / 10, block.toString());
                assertEquals(block.group(), block.channel0() / 10);
            }
        }
    }

    @Test
    void resultsDoNotDependOnThreadTiming() {
        ScanSpec spec = new ScanSpec(3, 50, 2 * VectorScanKernel.lanes() + 5, 16, 1, true, true, true, true, true, 8);
        ScanCase sc = ScanCase.random(spec, 7);
        ScanResult first = ScanRunner.run(new VectorScanKernel(THREADS, 0), sc, ElementType.FLOAT32);
        for (int run = 0; run < 3; run++) {
            ScanResult again = ScanRunner.run(new VectorScanKernel(THREADS, 0), sc, ElementType.FLOAT32);
            assertArrayEquals(first.dB(), again.dB());
            assertArrayEquals(first.dC(), again.dC());
            assertArrayEquals(first.dA(), again.dA());
            assertArrayEquals(first.y(), again.y());
        }
    }
}
