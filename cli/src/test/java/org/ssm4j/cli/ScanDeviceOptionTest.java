package org.ssm4j.cli;

import java.util.Arrays;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.ssm4j.kernels.cuda.CudaAvailability;
import org.ssm4j.kernels.cuda.CudaScanKernels;
import org.ssm4j.kernels.cuda.CudaSelectiveScan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.ssm4j.cli.CliRun.run;

/** {@code --scan-device}, which every command takes: checked, and set for the ops. */
class ScanDeviceOptionTest {

    private static final String[] SMALL_SCAN = {"bench", "scan", "--batch", "1", "--channels", "8", "--state", "4",
            "--length", "16", "--repetitions", "1", "--json"};

    @AfterEach
    void backToTheDefault() {
        System.clearProperty(CudaScanKernels.DEVICE_PROPERTY);
    }

    @Test
    void anUnknownDeviceIsAUsageErrorNamingIt() {
        CliRun run = run(with("--scan-device", "gpu"));
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("ssm4j.scan.device must be cpu, cuda or cuda:N (N >= 0), got 'gpu'"), run.err());
    }

    @Test
    void theDeviceIsSetForTheOps() {
        CliRun run = run(with("--scan-device", " CPU "));
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("cpu", System.getProperty(CudaScanKernels.DEVICE_PROPERTY));
    }

    @Test
    void cudaWhereItCannotRunFailsWithTheReason() {
        CudaAvailability availability = CudaSelectiveScan.availability();
        assumeFalse(availability.available(), "this machine can run the CUDA scan");
        CliRun run = run(with("--scan-device", "cuda:0"));
        assertNotEquals(0, run.exitCode());
        assertTrue(run.err().contains(availability.reason()), run.err());
    }

    private static String[] with(String option, String value) {
        String[] args = Arrays.copyOf(SMALL_SCAN, SMALL_SCAN.length + 2);
        args[SMALL_SCAN.length] = option;
        args[SMALL_SCAN.length + 1] = value;
        return args;
    }
}
