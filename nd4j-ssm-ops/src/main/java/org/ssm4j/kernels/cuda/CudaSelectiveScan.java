package org.ssm4j.kernels.cuda;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.ssm4j.kernels.ElementType;
import org.ssm4j.kernels.ScanBackward;
import org.ssm4j.kernels.ScanForward;
import org.ssm4j.kernels.ScanSpec;
import org.ssm4j.kernels.SelectiveScanKernel;

/**
 * The selective scan on an NVIDIA GPU, through our own kernels ({@code selective_scan.cu},
 * shipped compiled in the jar) and the CUDA driver API called with the JDK's foreign function
 * API. FLOAT32 and BFLOAT16 buffers; states and sums in float32.
 *
 * <p>Two entry points:
 * <ul>
 *   <li>{@link #forward} / {@link #backward} take host {@link MemorySegment}s (the
 *       {@link SelectiveScanKernel} contract): every input is copied to the device, the scan
 *       runs, every output is copied back, through the device's page-locked staging buffers
 *       ({@code HostStaging}). The copies cost far more than the scan (see
 *       {@code docs/cuda.md}); use this path for tests and for data that lives on the host
 *       anyway.</li>
 *   <li>{@link #forwardOnDevice} / {@link #backwardOnDevice} take device pointers and a
 *       {@code CUstream} and only enqueue work on that stream, for buffers that already live on
 *       the GPU (for instance ND4J CUDA arrays, on GPUs that backend supports).</li>
 * </ul>
 *
 * <p>Any checkpoint interval works; {@link #PREFERRED_CHECKPOINT_INTERVAL} (one backward tile)
 * makes the backward cheapest.
 */
public final class CudaSelectiveScan implements SelectiveScanKernel {

    /** The checkpoint interval the backward kernel handles without an extra recurrence pass. */
    public static final int PREFERRED_CHECKPOINT_INTERVAL = LaunchPolicy.BACKWARD_TILE;

    private static final long ALIGNMENT = 256;
    private static final Map<Integer, CudaSelectiveScan> OPEN = new ConcurrentHashMap<>();

    private final ScanModule module;
    private final ScanLauncher launcher;
    private final MemorySegment stream;

    private CudaSelectiveScan(ScanModule module) {
        this.module = module;
        this.launcher = new ScanLauncher(module);
        module.makeCurrent();
        this.stream = module.driver().createStream();
    }

    /**
     * Whether this process can run the CUDA scan: a CUDA driver ({@code libcuda.so.1}), a
     * device and the compiled kernels in the jar. Never throws. Found out once per process (the
     * ops ask on every call).
     */
    public static CudaAvailability availability() {
        return Availability.VALUE;
    }

    /** Holds {@link #availability()}, computed on first use. */
    private static final class Availability {
        static final CudaAvailability VALUE = compute();

        private static CudaAvailability compute() {
            CudaAvailability driver = CudaDriver.availability();
            if (!driver.available()) {
                return driver;
            }
            if (!ScanModule.imagePresent()) {
                return CudaAvailability.no("the CUDA kernels were not built into this jar (nvcc was not found when"
                        + " nd4j-ssm-ops was built)");
            }
            return driver;
        }
    }

    /**
     * The scan on CUDA device {@code ordinal} (one shared instance per device; thread-safe).
     *
     * @throws IllegalStateException when {@link #availability()} says it cannot run, with the reason
     */
    public static CudaSelectiveScan open(int ordinal) {
        CudaAvailability availability = availability();
        if (!availability.available()) {
            throw new IllegalStateException("the CUDA selective scan is unavailable: " + availability.reason());
        }
        return OPEN.computeIfAbsent(ordinal, o -> new CudaSelectiveScan(ScanModule.forDevice(o)));
    }

    /** The device's name and compute capability, e.g. {@code NVIDIA H200 (sm_90)}. */
    public String deviceDescription() {
        CudaDriver driver = module.driver();
        int device = driver.device(module.ordinal());
        return driver.deviceName(device) + " (sm_" + driver.deviceAttribute(CudaDriver.ATTR_COMPUTE_CAPABILITY_MAJOR, device)
                + driver.deviceAttribute(CudaDriver.ATTR_COMPUTE_CAPABILITY_MINOR, device) + ")";
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public boolean supports(ElementType type) {
        return type == ElementType.FLOAT32 || type == ElementType.BFLOAT16;
    }

    // --------------------------------------------------------------------------------
    // Device pointers
    // --------------------------------------------------------------------------------

    /**
     * Enqueues a forward scan on {@code stream} (a {@code CUstream} handle; 0 for the legacy
     * default stream) over buffers that live on this device. Returns without waiting.
     */
    public void forwardOnDevice(ScanSpec spec, ElementType type, DeviceForward buffers, long stream) {
        launcher.forward(spec, type, buffers, MemorySegment.ofAddress(stream));
    }

    /** Enqueues a backward scan on {@code stream}; see {@link #forwardOnDevice}. */
    public void backwardOnDevice(ScanSpec spec, ElementType type, DeviceBackward buffers, long stream) {
        launcher.backward(spec, type, buffers, MemorySegment.ofAddress(stream));
    }

    // --------------------------------------------------------------------------------
    // Host segments
    // --------------------------------------------------------------------------------

    @Override
    public synchronized void forward(ScanSpec spec, ScanForward buffers) {
        ElementType type = buffers.type();
        requireSupported(type);
        Sizes n = new Sizes(spec);
        BufferCheck check = new BufferCheck(type);
        check.buffer("u", buffers.u(), true, n.activations);
        check.buffer("delta", buffers.delta(), true, n.activations);
        check.buffer("a", buffers.a(), true, n.weights);
        check.buffer("b", buffers.b(), true, n.projections);
        check.buffer("c", buffers.c(), true, n.projections);
        check.buffer("d", buffers.d(), spec.hasD(), n.channels);
        check.buffer("z", buffers.z(), spec.hasZ(), n.activations);
        check.buffer("deltaBias", buffers.deltaBias(), spec.hasDeltaBias(), n.channels);
        check.buffer("initialState", buffers.initialState(), spec.hasInitialState(), n.states);
        check.required("y", buffers.y(), n.activations);
        check.required("lastState", buffers.lastState(), n.states);
        if (buffers.checkpoints() != null) {
            check.required("checkpoints", buffers.checkpoints(), n.checkpoints);
        }
        try (Transfer t = new Transfer(check.total())) {
            DeviceForward device = new DeviceForward(t.in(buffers.u()), t.in(buffers.delta()), t.in(buffers.a()),
                    t.in(buffers.b()), t.in(buffers.c()), t.in(buffers.d()), t.in(buffers.z()),
                    t.in(buffers.deltaBias()), t.in(buffers.initialState()), t.out(buffers.y()),
                    t.out(buffers.lastState()), t.out(buffers.checkpoints()));
            launcher.forward(spec, type, device, stream);
            t.finish();
        }
    }

    @Override
    public synchronized void backward(ScanSpec spec, ScanBackward buffers) {
        ElementType type = buffers.type();
        requireSupported(type);
        Sizes n = new Sizes(spec);
        BufferCheck check = new BufferCheck(type);
        check.buffer("u", buffers.u(), true, n.activations);
        check.buffer("delta", buffers.delta(), true, n.activations);
        check.buffer("a", buffers.a(), true, n.weights);
        check.buffer("b", buffers.b(), true, n.projections);
        check.buffer("c", buffers.c(), true, n.projections);
        check.buffer("d", buffers.d(), spec.hasD(), n.channels);
        check.buffer("z", buffers.z(), spec.hasZ(), n.activations);
        check.buffer("deltaBias", buffers.deltaBias(), spec.hasDeltaBias(), n.channels);
        check.buffer("initialState", buffers.initialState(), spec.hasInitialState(), n.states);
        check.buffer("checkpoints", buffers.checkpoints(), true, n.checkpoints);
        check.buffer("dy", buffers.dy(), true, n.activations);
        if (buffers.dLastState() != null) {
            check.buffer("dLastState", buffers.dLastState(), true, n.states);
        }
        check.required("du", buffers.du(), n.activations);
        check.required("dDelta", buffers.dDelta(), n.activations);
        check.required("dA", buffers.dA(), n.weights);
        check.required("dB", buffers.dB(), n.projections);
        check.required("dC", buffers.dC(), n.projections);
        check.buffer("dD", buffers.dD(), spec.hasD(), n.channels);
        check.buffer("dZ", buffers.dZ(), spec.hasZ(), n.activations);
        check.buffer("dDeltaBias", buffers.dDeltaBias(), spec.hasDeltaBias(), n.channels);
        check.buffer("dInitialState", buffers.dInitialState(), spec.hasInitialState(), n.states);
        try (Transfer t = new Transfer(check.total())) {
            DeviceBackward device = new DeviceBackward(t.in(buffers.u()), t.in(buffers.delta()), t.in(buffers.a()),
                    t.in(buffers.b()), t.in(buffers.c()), t.in(buffers.d()), t.in(buffers.z()),
                    t.in(buffers.deltaBias()), t.in(buffers.initialState()), t.in(buffers.checkpoints()),
                    t.in(buffers.dy()), t.in(buffers.dLastState()), t.out(buffers.du()), t.out(buffers.dDelta()),
                    t.out(buffers.dA()), t.out(buffers.dB()), t.out(buffers.dC()), t.out(buffers.dD()),
                    t.out(buffers.dZ()), t.out(buffers.dDeltaBias()), t.out(buffers.dInitialState()));
            launcher.backward(spec, type, device, stream);
            t.finish();
        }
    }

    private void requireSupported(ElementType type) {
        if (!supports(type)) {
            throw new IllegalArgumentException("the CUDA selective scan handles FLOAT32 and BFLOAT16 buffers, got " + type);
        }
    }

    /** Element counts of the tensors of a spec. */
    private static final class Sizes {
        final long activations;
        final long projections;
        final long weights;
        final long channels;
        final long states;
        final long checkpoints;

        Sizes(ScanSpec s) {
            activations = (long) s.batch() * s.length() * s.channels();
            projections = (long) s.batch() * s.length() * s.groups() * s.state();
            weights = (long) s.channels() * s.state();
            channels = s.channels();
            states = (long) s.batch() * s.channels() * s.state();
            checkpoints = (long) s.batch() * s.checkpoints() * s.channels() * s.state();
        }
    }

    /** Validates host buffers against the spec and adds up the device memory they need. */
    private static final class BufferCheck {
        private final ElementType type;
        private long total;

        BufferCheck(ElementType type) {
            this.type = type;
        }

        /** A buffer present exactly when {@code expected}. */
        void buffer(String name, MemorySegment segment, boolean expected, long elements) {
            if (!expected) {
                if (segment != null) {
                    throw new IllegalArgumentException(name + " must be null: the spec says it is absent, got a buffer of "
                            + segment.byteSize() + " bytes");
                }
                return;
            }
            required(name, segment, elements);
        }

        /** A buffer that must be present. */
        void required(String name, MemorySegment segment, long elements) {
            if (segment == null) {
                throw new IllegalArgumentException(name + " is required but is null");
            }
            long bytes = elements * type.bytes();
            if (segment.byteSize() != bytes) {
                throw new IllegalArgumentException(name + " has " + segment.byteSize() + " bytes, expected " + bytes
                        + " (" + elements + " elements of " + type + ")");
            }
            total += (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        }

        long total() {
            return total;
        }
    }

    /**
     * One device allocation for all buffers of a call: inputs are copied in as they are
     * placed, outputs are copied back by {@link #finish()}, after the launches; every copy goes
     * through the device's page-locked staging buffers, heap segments included.
     */
    private final class Transfer implements AutoCloseable {
        private final CudaDriver driver = module.driver();
        private final HostStaging staging = module.staging();
        private final long base;
        private long used;
        private final List<Runnable> copyBack = new ArrayList<>();

        Transfer(long bytes) {
            module.makeCurrent();
            this.base = driver.malloc(Math.max(bytes, ALIGNMENT));
        }

        private long place(long bytes) {
            long pointer = base + used;
            used += (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
            return pointer;
        }

        long in(MemorySegment host) {
            if (host == null) {
                return 0;
            }
            long pointer = place(host.byteSize());
            staging.toDevice(pointer, host, stream);
            return pointer;
        }

        long out(MemorySegment host) {
            if (host == null) {
                return 0;
            }
            long pointer = place(host.byteSize());
            copyBack.add(() -> staging.toHost(host, pointer, stream));
            return pointer;
        }

        void finish() {
            copyBack.forEach(Runnable::run);
        }

        @Override
        public void close() {
            driver.synchronize(stream);
            driver.free(base);
        }
    }
}
