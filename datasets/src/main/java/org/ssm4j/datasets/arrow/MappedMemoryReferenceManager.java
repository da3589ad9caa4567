package org.ssm4j.datasets.arrow;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OwnershipTransferResult;
import org.apache.arrow.memory.ReferenceManager;

/**
 * The reference manager of {@link ArrowBuf}s that point into a memory-mapped file. The mapping
 * belongs to the {@link MappedArrowFile} and lives until it is closed, so retaining and
 * releasing do nothing; slices are new views at an offset of the same mapping. (Arrow's own
 * {@code ReferenceManager.NO_OP} cannot serve here: its slices ignore the offset.)
 */
final class MappedMemoryReferenceManager implements ReferenceManager {

    private final BufferAllocator allocator;

    /** @param allocator the allocator of the vectors that will hold these buffers */
    MappedMemoryReferenceManager(BufferAllocator allocator) {
        this.allocator = allocator;
    }

    /**
     * @param address the first byte's address in the mapping
     * @param length the view's length in bytes
     * @return a buffer over mapped memory, not accounted to any allocator
     */
    ArrowBuf wrap(long address, long length) {
        return new ArrowBuf(this, null, length, address);
    }

    @Override
    public int getRefCount() {
        return 1;
    }

    @Override
    public boolean release() {
        return false;
    }

    @Override
    public boolean release(int decrement) {
        return false;
    }

    @Override
    public void retain() {
    }

    @Override
    public void retain(int increment) {
    }

    @Override
    public ArrowBuf retain(ArrowBuf srcBuffer, BufferAllocator targetAllocator) {
        return srcBuffer;
    }

    @Override
    public ArrowBuf deriveBuffer(ArrowBuf sourceBuffer, long index, long length) {
        return wrap(sourceBuffer.memoryAddress() + index, length);
    }

    @Override
    public OwnershipTransferResult transferOwnership(ArrowBuf sourceBuffer, BufferAllocator targetAllocator) {
        throw new UnsupportedOperationException(
                "buffers of a memory-mapped Arrow file stay with the file; copy the vector instead");
    }

    @Override
    public BufferAllocator getAllocator() {
        return allocator;
    }

    @Override
    public long getSize() {
        return 0;
    }

    @Override
    public long getAccountedSize() {
        return 0;
    }
}
