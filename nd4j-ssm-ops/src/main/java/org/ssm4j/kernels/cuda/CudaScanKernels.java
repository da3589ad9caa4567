package org.ssm4j.kernels.cuda;

import java.util.Locale;

import org.ssm4j.kernels.ElementType;
import org.ssm4j.kernels.SelectiveScanKernel;

/**
 * Chooses the selective-scan kernel from the system property {@value #DEVICE_PROPERTY}:
 * absent or {@code cpu} keeps the given CPU kernel (the default); {@code cuda} or
 * {@code cuda:N} selects {@link CudaSelectiveScan} on device 0 or N. Asking for CUDA where it
 * cannot run, or for an element type it does not handle, is an error naming the reason, not
 * a silent fallback.
 */
public final class CudaScanKernels {

    /** The system property that picks the scan device. */
    public static final String DEVICE_PROPERTY = "ssm4j.scan.device";

    private CudaScanKernels() {
    }

    /**
     * The kernel for buffers of {@code type}: {@code cpu} unless {@value #DEVICE_PROPERTY} asks for CUDA.
     *
     * @throws IllegalArgumentException for an unknown property value, or a type the CUDA scan does not handle
     * @throws IllegalStateException    when CUDA is asked for and unavailable (the reason is in the message)
     */
    public static SelectiveScanKernel select(ElementType type, SelectiveScanKernel cpu) {
        String device = System.getProperty(DEVICE_PROPERTY, "cpu").trim().toLowerCase(Locale.ROOT);
        int ordinal = cudaOrdinal(device);
        if (ordinal < 0) {
            return cpu;
        }
        CudaSelectiveScan cuda = CudaSelectiveScan.open(ordinal);
        if (!cuda.supports(type)) {
            throw new IllegalArgumentException(DEVICE_PROPERTY + "=" + device + " but the CUDA selective scan handles"
                    + " FLOAT32 and BFLOAT16 buffers, got " + type);
        }
        return cuda;
    }

    /**
     * {@code value} as {@value #DEVICE_PROPERTY} takes it (trimmed, lower case), for callers
     * that set the property from a setting of their own.
     *
     * @throws IllegalArgumentException unless it is cpu, cuda or cuda:N, naming the value
     */
    public static String checkedDevice(String value) {
        String device = value.trim().toLowerCase(Locale.ROOT);
        cudaOrdinal(device);
        return device;
    }

    /** -1 for the CPU, else the CUDA device ordinal the property value names. */
    static int cudaOrdinal(String device) {
        if (device.equals("cpu")) {
            return -1;
        }
        if (device.equals("cuda")) {
            return 0;
        }
        if (device.startsWith("cuda:")) {
            try {
                int ordinal = Integer.parseInt(device.substring("cuda:".length()));
                if (ordinal >= 0) {
                    return ordinal;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
        }
        throw new IllegalArgumentException(DEVICE_PROPERTY + " must be cpu, cuda or cuda:N (N >= 0), got '" + device + "'");
    }
}
