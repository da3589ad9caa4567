package org.ssm4j.kernels.cpu;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.ssm4j.kernels.ElementType;
import org.ssm4j.kernels.SelectiveScanKernel;

import java.lang.reflect.InvocationTargetException;

/**
 * Chooses the CPU selective-scan kernel for an element type: the Vector API kernel for
 * FLOAT32 when the JVM runs with {@code --add-modules=jdk.incubator.vector}, otherwise the
 * scalar kernel (which also does FLOAT64). Whether the module is present is checked once,
 * when this class loads, and logged in one line.
 */
public final class CpuScanKernels {

    private static final Logger LOG = LoggerFactory.getLogger(CpuScanKernels.class);
    private static final boolean VECTOR_API = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    private static final SelectiveScanKernel SCALAR = new ScalarScanKernel();
    private static final SelectiveScanKernel FLOAT32 = VECTOR_API ? newVectorKernel() : SCALAR;

    static {
        if (VECTOR_API) {
            LOG.info("selective scan: Vector API kernel for FLOAT32, {} channels per vector", VectorScanKernel.lanes());
        } else {
            LOG.warn("selective scan: module jdk.incubator.vector is absent (run the JVM with "
                    + "--add-modules=jdk.incubator.vector), FLOAT32 scans use the slower scalar kernel");
        }
    }

    private CpuScanKernels() {
    }

    /** Whether the Vector API kernel is in use. */
    public static boolean vectorApiAvailable() {
        return VECTOR_API;
    }

    /**
     * The kernel for buffers of the given type.
     *
     * @throws IllegalArgumentException for a type no CPU kernel handles (BFLOAT16)
     */
    public static SelectiveScanKernel forType(ElementType type) {
        return switch (type) {
            case FLOAT32 -> FLOAT32;
            case FLOAT64 -> SCALAR;
            default -> throw new IllegalArgumentException("no CPU selective-scan kernel for " + type
                    + "; expected FLOAT32 or FLOAT64");
        };
    }

    /** Loaded by name, so that this class links without the incubator module. */
    private static SelectiveScanKernel newVectorKernel() {
        try {
            return (SelectiveScanKernel) Class.forName("org.ssm4j.kernels.cpu.VectorScanKernel")
                    .getDeclaredConstructor().newInstance();
        } catch (ClassNotFoundException | NoSuchMethodException | InstantiationException | IllegalAccessException
                 | InvocationTargetException e) {
            throw new IllegalStateException("cannot create the Vector API scan kernel", e);
        }
    }
}
