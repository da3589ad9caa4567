package org.ssm4j.kernels.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;
import java.util.stream.Stream;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The few CUDA driver API calls the launcher needs, bound with the JDK's foreign function API
 * to {@code libcuda.so.1} (no native library of ours). Every call checks its {@code CUresult}
 * and turns an error into a {@link CudaException} naming the CUDA error. Handles (contexts,
 * modules, functions, streams, events) are {@link MemorySegment} addresses; device pointers
 * are {@code long}s.
 */
final class CudaDriver {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final int CUDA_SUCCESS = 0;

    /** {@code CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT}. */
    static final int ATTR_MULTIPROCESSOR_COUNT = 16;
    /** {@code CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR}. */
    static final int ATTR_COMPUTE_CAPABILITY_MAJOR = 75;
    /** {@code CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR}. */
    static final int ATTR_COMPUTE_CAPABILITY_MINOR = 76;
    /** {@code CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES}. */
    static final int FUNC_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
    private static final int MEM_ALLOCATION_TYPE_PINNED = 1;
    private static final int MEM_HANDLE_TYPE_NONE = 0;
    private static final int MEM_LOCATION_TYPE_DEVICE = 1;
    private static final int MEMPOOL_ATTR_RELEASE_THRESHOLD = 4;
    private static final long POOL_PROPS_BYTES = 88;
    /** {@code CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION}. */
    static final int LAUNCH_ATTR_PROGRAMMATIC_STREAM_SERIALIZATION = 6;

    /** {@code CUlaunchConfig} of {@code cuda.h}. */
    static final StructLayout LAUNCH_CONFIG = MemoryLayout.structLayout(
            JAVA_INT.withName("gridDimX"), JAVA_INT.withName("gridDimY"), JAVA_INT.withName("gridDimZ"),
            JAVA_INT.withName("blockDimX"), JAVA_INT.withName("blockDimY"), JAVA_INT.withName("blockDimZ"),
            JAVA_INT.withName("sharedMemBytes"), MemoryLayout.paddingLayout(4),
            ADDRESS.withName("hStream"), ADDRESS.withName("attrs"), JAVA_INT.withName("numAttrs"),
            MemoryLayout.paddingLayout(4));
    /** {@code CUlaunchAttribute}: the attribute's id, then its value (a 64-byte union). */
    static final StructLayout LAUNCH_ATTRIBUTE = MemoryLayout.structLayout(
            JAVA_INT.withName("id"), MemoryLayout.paddingLayout(4),
            MemoryLayout.sequenceLayout(64, JAVA_BYTE).withName("value"));
    /** Offsets of the launch dimensions in {@link #LAUNCH_CONFIG}: grid x, y, z, block x, y, z, shared bytes. */
    private static final long[] CONFIG_DIMS = Stream.of("gridDimX", "gridDimY", "gridDimZ",
            "blockDimX", "blockDimY", "blockDimZ", "sharedMemBytes").mapToLong(f -> offset(LAUNCH_CONFIG, f)).toArray();
    private static final long CONFIG_STREAM = offset(LAUNCH_CONFIG, "hStream");
    private static final long CONFIG_ATTRS = offset(LAUNCH_CONFIG, "attrs");
    private static final long CONFIG_NUM_ATTRS = offset(LAUNCH_CONFIG, "numAttrs");
    private static final long ATTRIBUTE_ID = offset(LAUNCH_ATTRIBUTE, "id");
    private static final long ATTRIBUTE_VALUE = offset(LAUNCH_ATTRIBUTE, "value");

    private final MethodHandle cuInit;
    private final MethodHandle cuDriverGetVersion;
    private final MethodHandle cuDeviceGetCount;
    private final MethodHandle cuDeviceGet;
    private final MethodHandle cuDeviceGetName;
    private final MethodHandle cuDeviceGetAttribute;
    private final MethodHandle cuDevicePrimaryCtxRetain;
    private final MethodHandle cuCtxSetCurrent;
    private final MethodHandle cuModuleLoadData;
    private final MethodHandle cuModuleGetFunction;
    private final MethodHandle cuModuleGetGlobal;
    private final MethodHandle cuFuncSetAttribute;
    private final MethodHandle cuOccupancyMaxActiveBlocksPerMultiprocessor;
    private final MethodHandle cuMemAlloc;
    private final MethodHandle cuMemFree;
    private final MethodHandle cuMemHostAlloc;
    private final MethodHandle cuMemPoolCreate;
    private final MethodHandle cuMemPoolSetAttribute;
    private final MethodHandle cuMemAllocFromPoolAsync;
    private final MethodHandle cuMemFreeAsync;
    private final MethodHandle cuMemcpyHtoDAsync;
    private final MethodHandle cuMemcpyDtoHAsync;
    private final MethodHandle cuMemsetD32Async;
    private final MethodHandle cuStreamCreate;
    private final MethodHandle cuStreamSynchronize;
    private final MethodHandle cuStreamDestroy;
    private final MethodHandle cuEventCreate;
    private final MethodHandle cuEventRecord;
    private final MethodHandle cuEventSynchronize;
    private final MethodHandle cuEventElapsedTime;
    private final MethodHandle cuEventDestroy;
    private final MethodHandle cuLaunchKernel;
    private final MethodHandle cuLaunchKernelEx;  // null on drivers older than CUDA 12.0
    private final MethodHandle cuGetErrorName;
    private final MethodHandle cuGetErrorString;

    private CudaDriver(SymbolLookup lib) {
        cuInit = bind(lib, "cuInit", JAVA_INT);
        cuDriverGetVersion = bind(lib, "cuDriverGetVersion", ADDRESS);
        cuDeviceGetCount = bind(lib, "cuDeviceGetCount", ADDRESS);
        cuDeviceGet = bind(lib, "cuDeviceGet", ADDRESS, JAVA_INT);
        cuDeviceGetName = bind(lib, "cuDeviceGetName", ADDRESS, JAVA_INT, JAVA_INT);
        cuDeviceGetAttribute = bind(lib, "cuDeviceGetAttribute", ADDRESS, JAVA_INT, JAVA_INT);
        cuDevicePrimaryCtxRetain = bind(lib, "cuDevicePrimaryCtxRetain", ADDRESS, JAVA_INT);
        cuCtxSetCurrent = bind(lib, "cuCtxSetCurrent", ADDRESS);
        cuModuleLoadData = bind(lib, "cuModuleLoadData", ADDRESS, ADDRESS);
        cuModuleGetFunction = bind(lib, "cuModuleGetFunction", ADDRESS, ADDRESS, ADDRESS);
        cuModuleGetGlobal = bind(lib, "cuModuleGetGlobal_v2", ADDRESS, ADDRESS, ADDRESS, ADDRESS);
        cuFuncSetAttribute = bind(lib, "cuFuncSetAttribute", ADDRESS, JAVA_INT, JAVA_INT);
        cuOccupancyMaxActiveBlocksPerMultiprocessor = bind(lib, "cuOccupancyMaxActiveBlocksPerMultiprocessor", ADDRESS,
                ADDRESS, JAVA_INT, JAVA_LONG);
        cuMemAlloc = bind(lib, "cuMemAlloc_v2", ADDRESS, JAVA_LONG);
        cuMemFree = bind(lib, "cuMemFree_v2", JAVA_LONG);
        cuMemHostAlloc = bind(lib, "cuMemHostAlloc", ADDRESS, JAVA_LONG, JAVA_INT);
        cuMemPoolCreate = bind(lib, "cuMemPoolCreate", ADDRESS, ADDRESS);
        cuMemPoolSetAttribute = bind(lib, "cuMemPoolSetAttribute", ADDRESS, JAVA_INT, ADDRESS);
        cuMemAllocFromPoolAsync = bind(lib, "cuMemAllocFromPoolAsync", ADDRESS, JAVA_LONG, ADDRESS, ADDRESS);
        cuMemFreeAsync = bind(lib, "cuMemFreeAsync", JAVA_LONG, ADDRESS);
        cuMemcpyHtoDAsync = bind(lib, "cuMemcpyHtoDAsync_v2", JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS);
        cuMemcpyDtoHAsync = bind(lib, "cuMemcpyDtoHAsync_v2", ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS);
        cuMemsetD32Async = bind(lib, "cuMemsetD32Async", JAVA_LONG, JAVA_INT, JAVA_LONG, ADDRESS);
        cuStreamCreate = bind(lib, "cuStreamCreate", ADDRESS, JAVA_INT);
        cuStreamSynchronize = bind(lib, "cuStreamSynchronize", ADDRESS);
        cuStreamDestroy = bind(lib, "cuStreamDestroy_v2", ADDRESS);
        cuEventCreate = bind(lib, "cuEventCreate", ADDRESS, JAVA_INT);
        cuEventRecord = bind(lib, "cuEventRecord", ADDRESS, ADDRESS);
        cuEventSynchronize = bind(lib, "cuEventSynchronize", ADDRESS);
        cuEventElapsedTime = bind(lib, "cuEventElapsedTime", ADDRESS, ADDRESS, ADDRESS);
        cuEventDestroy = bind(lib, "cuEventDestroy_v2", ADDRESS);
        cuLaunchKernel = bind(lib, "cuLaunchKernel", ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        cuLaunchKernelEx = lib.find("cuLaunchKernelEx").map(symbol -> LINKER.downcallHandle(symbol,
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS))).orElse(null);
        cuGetErrorName = bind(lib, "cuGetErrorName", JAVA_INT, ADDRESS);
        cuGetErrorString = bind(lib, "cuGetErrorString", JAVA_INT, ADDRESS);
    }

    private static MethodHandle bind(SymbolLookup lib, String name, ValueLayout... args) {
        MemorySegment symbol = lib.find(name).orElseThrow(
                () -> new IllegalStateException("libcuda.so.1 has no symbol " + name + ": the driver is too old"));
        return LINKER.downcallHandle(symbol, FunctionDescriptor.of(JAVA_INT, args));
    }

    /** The process-wide driver, bound and initialised once. */
    private static final class Holder {
        static final CudaDriver DRIVER;
        static final CudaAvailability AVAILABILITY;

        static {
            CudaDriver driver = null;
            CudaAvailability availability;
            Optional<SymbolLookup> lib = openLibrary();
            if (lib.isEmpty()) {
                availability = CudaAvailability.no("no CUDA driver: libcuda.so.1 could not be loaded");
            } else {
                try {
                    driver = new CudaDriver(lib.get());
                    driver.init();
                    int devices = driver.deviceCount();
                    availability = devices > 0
                            ? CudaAvailability.yes("CUDA driver " + driver.driverVersion() + ", " + devices + " device(s)")
                            : CudaAvailability.no("no CUDA device: the driver reports 0 devices");
                } catch (CudaException | IllegalStateException e) {
                    availability = CudaAvailability.no("no usable CUDA driver: " + e.getMessage());
                    driver = null;
                }
            }
            DRIVER = driver;
            AVAILABILITY = availability;
        }

        private static Optional<SymbolLookup> openLibrary() {
            try {
                return Optional.of(SymbolLookup.libraryLookup("libcuda.so.1", Arena.global()));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }
    }

    /** Whether the driver loaded and sees a device. */
    static CudaAvailability availability() {
        return Holder.AVAILABILITY;
    }

    /** The driver; {@link IllegalStateException} with the reason when there is none. */
    static CudaDriver get() {
        CudaDriver driver = Holder.DRIVER;
        if (driver == null) {
            throw new IllegalStateException("CUDA is unavailable: " + Holder.AVAILABILITY.reason());
        }
        return driver;
    }

    // --------------------------------------------------------------------------------
    // Calls
    // --------------------------------------------------------------------------------

    private void init() {
        check("cuInit", call(() -> (int) cuInit.invokeExact(0)));
    }

    String driverVersion() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check("cuDriverGetVersion", call(() -> (int) cuDriverGetVersion.invokeExact(out)));
            int v = out.get(JAVA_INT, 0);
            return (v / 1000) + "." + (v % 1000) / 10;
        }
    }

    int deviceCount() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check("cuDeviceGetCount", call(() -> (int) cuDeviceGetCount.invokeExact(out)));
            return out.get(JAVA_INT, 0);
        }
    }

    int device(int ordinal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check("cuDeviceGet(" + ordinal + ")", call(() -> (int) cuDeviceGet.invokeExact(out, ordinal)));
            return out.get(JAVA_INT, 0);
        }
    }

    String deviceName(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(256);
            check("cuDeviceGetName", call(() -> (int) cuDeviceGetName.invokeExact(out, 256, device)));
            return out.getString(0);
        }
    }

    int deviceAttribute(int attribute, int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check("cuDeviceGetAttribute(" + attribute + ")",
                    call(() -> (int) cuDeviceGetAttribute.invokeExact(out, attribute, device)));
            return out.get(JAVA_INT, 0);
        }
    }

    MemorySegment primaryContext(int device) {
        return handleOut("cuDevicePrimaryCtxRetain", out -> (int) cuDevicePrimaryCtxRetain.invokeExact(out, device));
    }

    void setCurrent(MemorySegment context) {
        check("cuCtxSetCurrent", call(() -> (int) cuCtxSetCurrent.invokeExact(context)));
    }

    /** Loads a module from a cubin, PTX or fatbin image held in native memory. */
    MemorySegment loadModule(MemorySegment image) {
        return handleOut("cuModuleLoadData", out -> (int) cuModuleLoadData.invokeExact(out, image));
    }

    MemorySegment function(MemorySegment module, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cname = arena.allocateFrom(name);
            return handleOut("cuModuleGetFunction(" + name + ")",
                    out -> (int) cuModuleGetFunction.invokeExact(out, module, cname));
        }
    }

    /** Reads {@code count} ints from a {@code __device__} global of the module. */
    int[] globalInts(MemorySegment module, String name, int count, MemorySegment stream) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ptr = arena.allocate(JAVA_LONG);
            MemorySegment size = arena.allocate(JAVA_LONG);
            MemorySegment cname = arena.allocateFrom(name);
            check("cuModuleGetGlobal(" + name + ")",
                    call(() -> (int) cuModuleGetGlobal.invokeExact(ptr, size, module, cname)));
            long bytes = size.get(JAVA_LONG, 0);
            if (bytes != 4L * count) {
                throw new IllegalStateException("device global " + name + " has " + bytes + " bytes, expected " + 4L * count);
            }
            MemorySegment host = arena.allocate(JAVA_INT, count);
            copyToHost(host, ptr.get(JAVA_LONG, 0), bytes, stream);
            synchronize(stream);
            return host.toArray(JAVA_INT);
        }
    }

    void setFunctionAttribute(MemorySegment function, int attribute, int value) {
        check("cuFuncSetAttribute(" + attribute + ", " + value + ")",
                call(() -> (int) cuFuncSetAttribute.invokeExact(function, attribute, value)));
    }

    /** How many blocks of {@code threads} threads and {@code sharedBytes} of dynamic shared memory one SM holds at once. */
    int maxActiveBlocksPerMultiprocessor(MemorySegment function, int threads, long sharedBytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check("cuOccupancyMaxActiveBlocksPerMultiprocessor(" + threads + " threads, " + sharedBytes + " bytes)",
                    call(() -> (int) cuOccupancyMaxActiveBlocksPerMultiprocessor.invokeExact(out, function, threads,
                            sharedBytes)));
            return out.get(JAVA_INT, 0);
        }
    }

    long malloc(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            check("cuMemAlloc(" + bytes + " bytes)", call(() -> (int) cuMemAlloc.invokeExact(out, bytes)));
            return out.get(JAVA_LONG, 0);
        }
    }

    void free(long pointer) {
        check("cuMemFree", call(() -> (int) cuMemFree.invokeExact(pointer)));
    }

    /**
     * {@code bytes} of page-locked host memory, which the GPU copies to and from at the link's
     * speed; held for the life of the process (the staging buffers are never freed).
     */
    MemorySegment hostAlloc(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            check("cuMemHostAlloc(" + bytes + " bytes)", call(() -> (int) cuMemHostAlloc.invokeExact(out, bytes, 0)));
            return out.get(ADDRESS, 0).reinterpret(bytes);
        }
    }

    /**
     * A stream-ordered memory pool on device {@code ordinal} that keeps up to {@code keepBytes} of
     * freed memory mapped when a stream synchronizes (the device's default pool keeps none, so
     * every allocation after a synchronization maps memory again).
     */
    MemorySegment createPool(int ordinal, long keepBytes) {
        try (Arena arena = Arena.ofConfined()) {
            // CUmemPoolProps: allocType, handleTypes, location {type, id}, then pointer-aligned
            // fields and reserved bytes that must be zero (88 bytes in every CUDA 11.2+ header).
            MemorySegment props = arena.allocate(POOL_PROPS_BYTES, 8);
            props.set(JAVA_INT, 0, MEM_ALLOCATION_TYPE_PINNED);
            props.set(JAVA_INT, 4, MEM_HANDLE_TYPE_NONE);
            props.set(JAVA_INT, 8, MEM_LOCATION_TYPE_DEVICE);
            props.set(JAVA_INT, 12, ordinal);
            MemorySegment pool = handleOut("cuMemPoolCreate(device " + ordinal + ")",
                    out -> (int) cuMemPoolCreate.invokeExact(out, props));
            MemorySegment threshold = arena.allocateFrom(JAVA_LONG, keepBytes);
            check("cuMemPoolSetAttribute(release threshold " + keepBytes + ")",
                    call(() -> (int) cuMemPoolSetAttribute.invokeExact(pool, MEMPOOL_ATTR_RELEASE_THRESHOLD, threshold)));
            return pool;
        }
    }

    /** Allocates {@code bytes} from {@code pool}, ordered on {@code stream}. */
    long mallocAsync(long bytes, MemorySegment pool, MemorySegment stream) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            check("cuMemAllocFromPoolAsync(" + bytes + " bytes)",
                    call(() -> (int) cuMemAllocFromPoolAsync.invokeExact(out, bytes, pool, stream)));
            return out.get(JAVA_LONG, 0);
        }
    }

    void freeAsync(long pointer, MemorySegment stream) {
        check("cuMemFreeAsync", call(() -> (int) cuMemFreeAsync.invokeExact(pointer, stream)));
    }

    /** Host to device; {@code source} must be native memory. */
    void copyToDevice(long destination, MemorySegment source, long bytes, MemorySegment stream) {
        check("cuMemcpyHtoDAsync(" + bytes + " bytes)",
                call(() -> (int) cuMemcpyHtoDAsync.invokeExact(destination, source, bytes, stream)));
    }

    /** Device to host; {@code destination} must be native memory. */
    void copyToHost(MemorySegment destination, long source, long bytes, MemorySegment stream) {
        check("cuMemcpyDtoHAsync(" + bytes + " bytes)",
                call(() -> (int) cuMemcpyDtoHAsync.invokeExact(destination, source, bytes, stream)));
    }

    /** Sets {@code count} 32-bit words to {@code value}. */
    void fill32(long pointer, int value, long count, MemorySegment stream) {
        check("cuMemsetD32Async(" + count + " words)",
                call(() -> (int) cuMemsetD32Async.invokeExact(pointer, value, count, stream)));
    }

    MemorySegment createStream() {
        return handleOut("cuStreamCreate", out -> (int) cuStreamCreate.invokeExact(out, 0));
    }

    void synchronize(MemorySegment stream) {
        check("cuStreamSynchronize", call(() -> (int) cuStreamSynchronize.invokeExact(stream)));
    }

    void destroyStream(MemorySegment stream) {
        check("cuStreamDestroy", call(() -> (int) cuStreamDestroy.invokeExact(stream)));
    }

    MemorySegment createEvent() {
        return handleOut("cuEventCreate", out -> (int) cuEventCreate.invokeExact(out, 0));
    }

    void record(MemorySegment event, MemorySegment stream) {
        check("cuEventRecord", call(() -> (int) cuEventRecord.invokeExact(event, stream)));
    }

    /** Waits until the work recorded before {@code event} is done. */
    void waitFor(MemorySegment event) {
        check("cuEventSynchronize", call(() -> (int) cuEventSynchronize.invokeExact(event)));
    }

    /** Milliseconds between two recorded events, after waiting for the second. */
    float elapsedMillis(MemorySegment start, MemorySegment end) {
        waitFor(end);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_FLOAT);
            check("cuEventElapsedTime", call(() -> (int) cuEventElapsedTime.invokeExact(out, start, end)));
            return out.get(JAVA_FLOAT, 0);
        }
    }

    void destroyEvent(MemorySegment event) {
        check("cuEventDestroy", call(() -> (int) cuEventDestroy.invokeExact(event)));
    }

    /**
     * Launches a kernel; {@code args} holds one native segment per kernel parameter with its
     * value (the driver copies them at the call).
     */
    void launch(String name, MemorySegment function, int gridX, int gridY, int gridZ, int block, int sharedBytes,
                MemorySegment stream, MemorySegment... args) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment argv = argumentArray(arena, args);
            checkLaunch("cuLaunchKernel", name, gridX, gridY, gridZ, block,
                    call(() -> (int) cuLaunchKernel.invokeExact(function, gridX, gridY, gridZ, block, 1, 1,
                            sharedBytes, stream, argv, MemorySegment.NULL)));
        }
    }

    /** True when the driver has {@code cuLaunchKernelEx} (CUDA 12.0 and newer), which dependent launches need. */
    boolean canLaunchDependent() {
        return cuLaunchKernelEx != null;
    }

    /**
     * Launches a kernel as {@link #launch} does, as a programmatic dependent launch: it may start
     * before the previous kernel on the stream has finished, once all that kernel's blocks have
     * run {@code griddepcontrol.launch_dependents} (or exited), so the kernel must itself wait
     * ({@code griddepcontrol.wait}) before it reads what its predecessor wrote or writes anything.
     * Compute capability 9.0 and newer, with {@link #canLaunchDependent()}.
     */
    void launchDependent(String name, MemorySegment function, int gridX, int gridY, int gridZ, int block,
                         int sharedBytes, MemorySegment stream, MemorySegment... args) {
        if (cuLaunchKernelEx == null) {
            throw new IllegalStateException("launching " + name + " as a dependent launch needs cuLaunchKernelEx"
                    + " (a driver of CUDA 12.0 or newer)");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment argv = argumentArray(arena, args);
            MemorySegment attribute = arena.allocate(LAUNCH_ATTRIBUTE);
            attribute.set(JAVA_INT, ATTRIBUTE_ID, LAUNCH_ATTR_PROGRAMMATIC_STREAM_SERIALIZATION);
            attribute.set(JAVA_INT, ATTRIBUTE_VALUE, 1);  // programmaticStreamSerializationAllowed
            MemorySegment config = arena.allocate(LAUNCH_CONFIG);
            int[] dims = {gridX, gridY, gridZ, block, 1, 1, sharedBytes};
            for (int i = 0; i < dims.length; i++) {
                config.set(JAVA_INT, CONFIG_DIMS[i], dims[i]);
            }
            config.set(ADDRESS, CONFIG_STREAM, stream);
            config.set(ADDRESS, CONFIG_ATTRS, attribute);
            config.set(JAVA_INT, CONFIG_NUM_ATTRS, 1);
            checkLaunch("cuLaunchKernelEx", name, gridX, gridY, gridZ, block,
                    call(() -> (int) cuLaunchKernelEx.invokeExact(config, function, argv, MemorySegment.NULL)));
        }
    }

    static long offset(StructLayout layout, String field) {
        return layout.byteOffset(PathElement.groupElement(field));
    }

    private static MemorySegment argumentArray(Arena arena, MemorySegment... args) {
        MemorySegment argv = arena.allocate(ADDRESS, args.length);
        for (int i = 0; i < args.length; i++) {
            argv.setAtIndex(ADDRESS, i, args[i]);
        }
        return argv;
    }

    /** {@link #check} for a launch; the text naming the launch is built only when it failed. */
    private void checkLaunch(String call, String name, int gridX, int gridY, int gridZ, int block, int rc) {
        if (rc != CUDA_SUCCESS) {
            check(call + "(" + name + ", grid " + gridX + "x" + gridY + "x" + gridZ + ", block " + block + ")", rc);
        }
    }

    // --------------------------------------------------------------------------------
    // Plumbing
    // --------------------------------------------------------------------------------

    @FunctionalInterface
    private interface NativeCall {
        int run() throws Throwable;
    }

    @FunctionalInterface
    private interface HandleCall {
        int run(MemorySegment out) throws Throwable;
    }

    private static int call(NativeCall c) {
        try {
            return c.run();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed", t);
        }
    }

    private MemorySegment handleOut(String what, HandleCall c) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            check(what, call(() -> c.run(out)));
            return out.get(ADDRESS, 0);
        }
    }

    private void check(String what, int rc) {
        if (rc != CUDA_SUCCESS) {
            throw new CudaException(what, rc, errorText(cuGetErrorName, rc, "CUDA_ERROR_" + rc),
                    errorText(cuGetErrorString, rc, "no description"));
        }
    }

    private static String errorText(MethodHandle getter, int rc, String fallback) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            int status = call(() -> (int) getter.invokeExact(rc, out));
            MemorySegment text = out.get(ADDRESS, 0);
            if (status != CUDA_SUCCESS || text.equals(MemorySegment.NULL)) {
                return fallback;
            }
            return text.reinterpret(1024).getString(0);
        }
    }
}
