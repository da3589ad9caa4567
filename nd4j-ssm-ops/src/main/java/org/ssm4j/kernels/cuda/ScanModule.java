package org.ssm4j.kernels.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.ssm4j.kernels.OnOffProperty;

/**
 * The compiled kernels ({@code selective_scan.fatbin}: cubins for sm_80, sm_86 and sm_90 plus
 * PTX for newer GPUs, built from {@code src/main/cuda} when the build found nvcc) loaded into
 * the primary context of one device, with their functions, launch records, the memory pool
 * of the launcher's workspaces and the page-locked buffers host copies go through.
 */
final class ScanModule {

    /** The classpath resource holding the fatbin. */
    static final String RESOURCE = "/org/ssm4j/kernels/cuda/selective_scan.fatbin";

    /**
     * Freed workspace memory the module's pool keeps mapped between calls. The workspaces of the
     * benchmark shapes take at most 152 MB (the forward's kept delta' on 1 x 2048 x 16384, 134 MB,
     * and its chunk summaries); a call needing more releases the excess when its stream
     * synchronizes.
     */
    static final long WORKSPACE_POOL_KEEP_BYTES = 256L << 20;

    /** The oldest compute capability the fatbin has code for (its sm_80 cubin). */
    static final int MIN_COMPUTE_CAPABILITY_MAJOR = 8;

    /**
     * The system property that turns programmatic dependent launches of the chunked passes off
     * ({@code false}); they are on ({@code true}, the default) wherever the device has compute
     * capability 9.0 or newer and the driver has {@code cuLaunchKernelEx}.
     */
    static final String DEPENDENT_LAUNCH_PROPERTY = "ssm4j.cuda.dependentLaunch";

    /** The compute capability dependent launches (and the kernels' griddepcontrol) need. */
    static final int DEPENDENT_LAUNCH_CAPABILITY_MAJOR = 9;

    private static final Map<Integer, ScanModule> MODULES = new ConcurrentHashMap<>();

    /**
     * A kernel and what its {@code <name>_info} record says: threads per block, channels per
     * block, steps per tile, dynamic shared memory bytes and state entries per channel; and
     * {@code residentBlocks}, how many of its blocks the device holds at once (SMs times blocks
     * per SM). Zeros for the helper kernels, which have no record.
     */
    record Kernel(String name, MemorySegment function, int threads, int channelsPerBlock, int stepsPerTile,
                  int sharedBytes, int statesPerChannel, int residentBlocks) {
    }

    private final CudaDriver driver;
    private final int ordinal;
    private final MemorySegment context;
    private final int multiprocessors;
    private final boolean dependentLaunch;
    private final MemorySegment module;
    private final MemorySegment workspacePool;
    private final Map<String, Kernel> kernels = new ConcurrentHashMap<>();
    private HostStaging staging;

    private ScanModule(CudaDriver driver, int ordinal) {
        this.driver = driver;
        this.ordinal = ordinal;
        int count = driver.deviceCount();
        if (ordinal < 0 || ordinal >= count) {
            throw new IllegalArgumentException("CUDA device ordinal must be in [0, " + count + "), got " + ordinal);
        }
        int device = driver.device(ordinal);
        int major = driver.deviceAttribute(CudaDriver.ATTR_COMPUTE_CAPABILITY_MAJOR, device);
        requireSupported(ordinal, driver.deviceName(device), major,
                driver.deviceAttribute(CudaDriver.ATTR_COMPUTE_CAPABILITY_MINOR, device));
        this.dependentLaunch = dependentLaunch(System.getProperty(DEPENDENT_LAUNCH_PROPERTY, "true"), major,
                driver.canLaunchDependent());
        this.multiprocessors = driver.deviceAttribute(CudaDriver.ATTR_MULTIPROCESSOR_COUNT, device);
        this.context = driver.primaryContext(device);
        driver.setCurrent(context);
        byte[] image = readImage();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment copy = arena.allocate(image.length, 16);
            copy.copyFrom(MemorySegment.ofArray(image));
            this.module = driver.loadModule(copy);
        }
        this.workspacePool = driver.createPool(ordinal, WORKSPACE_POOL_KEEP_BYTES);
    }

    /**
     * Refuses a device older than the fatbin's code, naming it, instead of the driver's
     * {@code CUDA_ERROR_NO_BINARY_FOR_GPU} at module load: sm_80 and sm_86 cubins serve compute
     * capability 8.x, the sm_90 cubin 9.0, the compute_90 PTX newer devices; nothing serves 7.x.
     */
    static void requireSupported(int ordinal, String name, int major, int minor) {
        if (major < MIN_COMPUTE_CAPABILITY_MAJOR) {
            throw new IllegalStateException("CUDA device " + ordinal + " (" + name + ") has compute capability "
                    + major + "." + minor + "; the selective-scan kernels need " + MIN_COMPUTE_CAPABILITY_MAJOR
                    + ".0 or newer (code for sm_80, sm_86, sm_90 and compute_90 PTX)");
        }
    }

    /**
     * Whether the chunked passes are launched as programmatic dependent launches: the property's
     * value ({@code true} or {@code false}) and a device and driver that have them.
     *
     * @throws IllegalArgumentException for another property value, naming it
     */
    static boolean dependentLaunch(String property, int major, boolean driverHasIt) {
        return OnOffProperty.parse(DEPENDENT_LAUNCH_PROPERTY, property) && major >= DEPENDENT_LAUNCH_CAPABILITY_MAJOR
                && driverHasIt;
    }

    /** True when the launcher starts the combine and main passes as dependent launches (see {@link #dependentLaunch(String, int, boolean)}). */
    boolean dependentLaunch() {
        return dependentLaunch;
    }

    /** The module of a device, loaded on first use. */
    static ScanModule forDevice(int ordinal) {
        CudaDriver driver = CudaDriver.get();
        return MODULES.computeIfAbsent(ordinal, o -> new ScanModule(driver, o));
    }

    /** True when the jar carries the compiled kernels. */
    static boolean imagePresent() {
        return ScanModule.class.getResource(RESOURCE) != null;
    }

    private static byte[] readImage() {
        try (InputStream in = ScanModule.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the CUDA kernels were not built into this jar (resource " + RESOURCE
                        + " is missing: nvcc was not found when nd4j-ssm-ops was built)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    CudaDriver driver() {
        return driver;
    }

    int ordinal() {
        return ordinal;
    }

    /** The stream-ordered pool the launcher's workspaces come from. */
    MemorySegment workspacePool() {
        return workspacePool;
    }

    /** The page-locked buffers host copies to and from this device go through, allocated on first use. */
    synchronized HostStaging staging() {
        if (staging == null) {
            makeCurrent();
            staging = new HostStaging(driver, HostStaging.PIECE_BYTES, HostStaging.BUFFERS);
        }
        return staging;
    }

    /** Makes this device's primary context current on the calling thread. */
    void makeCurrent() {
        driver.setCurrent(context);
    }

    /** A scan kernel with its launch record; the record is read on first use. */
    Kernel scanKernel(String name, MemorySegment stream) {
        return kernels.computeIfAbsent(name, n -> {
            MemorySegment function = driver.function(module, n);
            int[] info = driver.globalInts(module, n + "_info", 5, stream);
            if (info[3] > 0) {
                driver.setFunctionAttribute(function, CudaDriver.FUNC_MAX_DYNAMIC_SHARED_SIZE_BYTES, info[3]);
            }
            int resident = multiprocessors * driver.maxActiveBlocksPerMultiprocessor(function, info[0], info[3]);
            return new Kernel(n, function, info[0], info[1], info[2], info[3], info[4], resident);
        });
    }

    /** A helper kernel (combine, conversion), which has no launch record. */
    Kernel helperKernel(String name) {
        return kernels.computeIfAbsent(name, n -> new Kernel(n, driver.function(module, n), 0, 0, 0, 0, 0, 0));
    }
}
