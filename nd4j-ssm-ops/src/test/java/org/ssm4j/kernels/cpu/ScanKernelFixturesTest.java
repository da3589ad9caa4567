package org.ssm4j.kernels.cpu;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.ssm4j.kernels.ElementType;
import org.ssm4j.kernels.ScanCase;
import org.ssm4j.kernels.ScanRunner;
import org.ssm4j.kernels.SelectiveScanKernel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.Stream;

/**
 * The CPU kernels against the reference fixtures (mamba_ssm's selective_scan_ref in float64):
 * outputs, last state and every gradient, with several checkpoint intervals and on both the
 * channel-parallel and the chunked path.
 */
class ScanKernelFixturesTest {

    static final List<String> FIXTURES = List.of("full", "plain", "grouped", "long");
    private static final ForkJoinPool TWO_THREADS = ScanThreads.newPool(2);

    static Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        for (String fixture : FIXTURES) {
            for (int interval : new int[]{128, 7}) {
                for (int chunks : new int[]{0, 3}) {
                    all.add(Arguments.of(fixture, interval, chunks, new ScalarScanKernel(TWO_THREADS, chunks), ElementType.FLOAT64, 1e-12));
                    all.add(Arguments.of(fixture, interval, chunks, new VectorScanKernel(TWO_THREADS, chunks), ElementType.FLOAT32, 1e-5));
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} K={1} chunks={2} {3} {4}")
    @MethodSource("cases")
    void matchesReference(String fixture, int interval, int chunks, SelectiveScanKernel kernel, ElementType type,
                          double tolerance) {
        ScanCase sc = ScanCase.fixture(fixture, interval);
        ScanRunner.run(kernel, sc, type).assertCloseTo(sc.expected(), tolerance);
    }
}
