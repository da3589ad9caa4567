package org.ssm4j.kernels.cuda;

import java.lang.foreign.MemorySegment;

/**
 * Memory, a stream and event timing on the GPU of a {@link CudaSelectiveScan}, for callers that
 * keep the scan's buffers on the device between calls and launch with
 * {@link CudaSelectiveScan#forwardOnDevice} and {@link CudaSelectiveScan#backwardOnDevice}. On GPUs
 * that ND4J's CUDA backend cannot run (Hopper and newer) this is the way to get device pointers.
 * Allocations are the caller's to free; the stream belongs to this object and goes with
 * {@link #close()}. Every driver error is a {@link CudaException} naming the call.
 */
public final class CudaDevice implements AutoCloseable {

    private final ScanModule module;
    private final CudaDriver driver;
    private final MemorySegment stream;
    private final MemorySegment start;
    private final MemorySegment end;

    private CudaDevice(ScanModule module) {
        this.module = module;
        this.driver = module.driver();
        module.makeCurrent();
        this.stream = driver.createStream();
        this.start = driver.createEvent();
        this.end = driver.createEvent();
    }

    /**
     * Device {@code ordinal}, in the primary context the scan kernels run in.
     *
     * @throws IllegalStateException when {@link CudaSelectiveScan#availability()} says the scan cannot run, with the reason
     */
    public static CudaDevice open(int ordinal) {
        CudaAvailability availability = CudaSelectiveScan.availability();
        if (!availability.available()) {
            throw new IllegalStateException("CUDA is unavailable: " + availability.reason());
        }
        return new CudaDevice(ScanModule.forDevice(ordinal));
    }

    /** This object's stream, as the {@code CUstream} handle the {@code ...OnDevice} launches take. */
    public long stream() {
        return stream.address();
    }

    /** Allocates {@code bytes} (at least 1) of device memory; its contents are undefined. */
    public long allocate(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("a device allocation needs at least 1 byte, got " + bytes);
        }
        module.makeCurrent();
        return driver.malloc(bytes);
    }

    /** Frees memory from {@link #allocate}, after the work queued on this object's stream. */
    public void free(long pointer) {
        module.makeCurrent();
        driver.synchronize(stream);
        driver.free(pointer);
    }

    /**
     * Copies all of {@code source} (native or heap memory) to {@code destination} and waits for
     * the copy; it goes through the device's page-locked staging buffers.
     */
    public void copyToDevice(long destination, MemorySegment source) {
        module.makeCurrent();
        module.staging().toDevice(destination, source, stream);
        driver.synchronize(stream);
    }

    /** Fills all of {@code destination} (native or heap memory) from {@code source}, after this stream's work. */
    public void copyToHost(MemorySegment destination, long source) {
        module.makeCurrent();
        module.staging().toHost(destination, source, stream);
    }

    /**
     * GPU milliseconds between events recorded on this object's stream before and after
     * {@code work}, which must enqueue its launches on {@link #stream()}; waits for them. Like
     * {@code torch.cuda.Event} timing, the span includes any time the GPU waits for the host to
     * enqueue the work.
     */
    public float millis(Runnable work) {
        module.makeCurrent();
        driver.record(start, stream);
        work.run();
        driver.record(end, stream);
        return driver.elapsedMillis(start, end);
    }

    @Override
    public void close() {
        module.makeCurrent();
        driver.synchronize(stream);
        driver.destroyEvent(start);
        driver.destroyEvent(end);
        driver.destroyStream(stream);
    }
}
