package org.ssm4j.datasets.arrow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flatbuf.Buffer;
import org.apache.arrow.flatbuf.Footer;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.ipc.message.ArrowFooter;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.pojo.Schema;
import org.ssm4j.datasets.DatasetFormatException;

/**
 * An Arrow IPC file (the "file" format, with footer) mapped into memory and exposed as one
 * {@link VectorSchemaRoot} per record batch whose buffers point straight into the mapping: no
 * byte of the data is copied onto the heap or into allocator memory. The whole file is one
 * mapping ({@link FileChannel#map(FileChannel.MapMode, long, long, Arena)}), so files over 2 GB
 * work.
 *
 * <p>Arrow Java's {@code ArrowFileReader} does not do this: it reads each record batch into a
 * buffer from its allocator ({@code MessageSerializer.deserializeRecordBatch(ReadChannel,
 * ArrowBlock, BufferAllocator)}). Here the footer and each batch's metadata are parsed from the
 * mapping, each batch body is wrapped as an {@link ArrowBuf} over mapped memory, and
 * {@link MessageSerializer#deserializeRecordBatch(RecordBatch, ArrowBuf)} plus a
 * {@link VectorLoader} turn it into vectors. Only a validity bitmap that the file omits (allowed
 * when a field has no nulls) is allocated.
 *
 * <p>Opening validates the whole structure: magic numbers at both ends, the footer, every
 * batch's position, message type, body length and buffer lengths, and rejects compressed
 * batches and dictionaries; a file cut short or corrupt fails with a {@link
 * DatasetFormatException} naming the file and the problem.
 *
 * <p>The vectors are read-only views, valid until {@link #close()}; writing to them or using
 * them after closing is not allowed (the mapping is unmapped on close). Reading from several
 * threads at once is safe; closing while another thread reads is not.
 */
public final class MappedArrowFile implements AutoCloseable {

    private static final byte[] MAGIC = "ARROW1".getBytes(StandardCharsets.US_ASCII);
    /** Leading magic and padding, footer length, trailing magic. */
    private static final int MINIMUM_SIZE = 8 + 4 + MAGIC.length;
    private static final ValueLayout.OfInt INT_LE =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final BufferAllocator allocator;
    private final Schema schema;
    private final List<VectorSchemaRoot> batches;
    /** {@code firstRows[i]} is the file row index of batch i's first row; the last entry is the row count. */
    private final long[] firstRows;
    private volatile boolean closed;

    private MappedArrowFile(Path path, Arena arena, BufferAllocator allocator, Schema schema,
                            List<VectorSchemaRoot> batches) {
        this.path = path;
        this.arena = arena;
        this.allocator = allocator;
        this.schema = schema;
        this.batches = List.copyOf(batches);
        this.firstRows = new long[batches.size() + 1];
        for (int i = 0; i < batches.size(); i++) {
            firstRows[i + 1] = firstRows[i] + batches.get(i).getRowCount();
        }
    }

    /**
     * Maps and validates an Arrow IPC file.
     *
     * @param file the file
     * @return the open file; close it to unmap
     * @throws IllegalArgumentException if the file does not exist
     * @throws DatasetFormatException if it is not a valid, uncompressed Arrow IPC file
     */
    public static MappedArrowFile open(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("Arrow file does not exist: " + file);
        }
        Arena arena = Arena.ofShared();
        BufferAllocator allocator = new RootAllocator();
        List<VectorSchemaRoot> batches = new ArrayList<>();
        try {
            MemorySegment mapping;
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                long size = channel.size();
                if (size < MINIMUM_SIZE) {
                    throw DatasetFormatException.mismatch(file,
                            "size in bytes (too short for an Arrow IPC file)", "at least " + MINIMUM_SIZE, size);
                }
                mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            }
            Parser parser = new Parser(file, mapping, allocator);
            ArrowFooter footer = parser.footer();
            for (int i = 0; i < footer.getRecordBatches().size(); i++) {
                batches.add(parser.recordBatch(i, footer.getRecordBatches().get(i), footer.getSchema()));
            }
            return new MappedArrowFile(file, arena, allocator, footer.getSchema(), batches);
        } catch (IOException e) {
            release(batches, allocator, arena);
            throw new UncheckedIOException("cannot map " + file, e);
        } catch (RuntimeException e) {
            release(batches, allocator, arena);
            throw e;
        }
    }

    /** @return the file */
    public Path path() {
        return path;
    }

    /** @return the file's schema (from its footer) */
    public Schema schema() {
        return schema;
    }

    /** @return the schema's key-value metadata (empty if none) */
    public Map<String, String> metadata() {
        Map<String, String> metadata = schema.getCustomMetadata();
        return metadata == null ? Map.of() : metadata;
    }

    /** @return the number of record batches */
    public int batchCount() {
        return batches.size();
    }

    /** @return the number of rows in all batches */
    public long rowCount() {
        return firstRows[batches.size()];
    }

    /**
     * @param index a record batch index, {@code 0 <= index < batchCount()}
     * @return the batch's vectors: read-only views of the mapping, valid until {@link #close()}
     */
    public VectorSchemaRoot batch(int index) {
        ensureOpen();
        return batches.get(index);
    }

    /**
     * @param index a record batch index
     * @return the file row index of the batch's first row
     */
    public long firstRowOf(int index) {
        return firstRows[index];
    }

    /**
     * @param row a file row index, {@code 0 <= row < rowCount()}
     * @return the index of the batch that holds it
     */
    public int batchOfRow(long row) {
        if (row < 0 || row >= rowCount()) {
            throw new IndexOutOfBoundsException("row " + row + " outside 0.." + (rowCount() - 1) + " of " + path);
        }
        int found = Arrays.binarySearch(firstRows, 0, batches.size(), row);
        if (found >= 0) {
            // empty batches share their first row with the next one: take the last of them
            while (found + 1 < batches.size() && firstRows[found + 1] == row) {
                found++;
            }
            return found;
        }
        return -found - 2;
    }

    /** @throws IllegalStateException if the file has been closed (its memory is unmapped) */
    public void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the memory-mapped Arrow file " + path + " is closed");
        }
    }

    /** Releases the vectors and unmaps the file. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        release(batches, allocator, arena);
    }

    private static void release(List<VectorSchemaRoot> batches, BufferAllocator allocator, Arena arena) {
        batches.forEach(VectorSchemaRoot::close);
        allocator.close();
        arena.close();
    }

    /** Reads the structure of the mapped bytes. */
    private static final class Parser {
        private final Path file;
        private final MemorySegment mapping;
        private final BufferAllocator allocator;
        private final MappedMemoryReferenceManager references;
        private long dataEnd;

        Parser(Path file, MemorySegment mapping, BufferAllocator allocator) {
            this.file = file;
            this.mapping = mapping;
            this.allocator = allocator;
            this.references = new MappedMemoryReferenceManager(allocator);
        }

        ArrowFooter footer() {
            long size = mapping.byteSize();
            checkMagic(0, "magic number at the start (not an Arrow IPC file)");
            checkMagic(size - MAGIC.length,
                    "magic number at the end (the file is cut short, or it is an Arrow stream, not a file)");
            int footerLength = mapping.get(INT_LE, size - MAGIC.length - 4);
            long maxFooter = size - MINIMUM_SIZE;
            if (footerLength <= 0 || footerLength > maxFooter) {
                throw DatasetFormatException.mismatch(file, "footer length", "1.." + maxFooter, footerLength);
            }
            dataEnd = size - MAGIC.length - 4 - footerLength;
            ArrowFooter footer;
            try {
                footer = new ArrowFooter(Footer.getRootAsFooter(byteBuffer(dataEnd, footerLength)));
            } catch (RuntimeException e) {
                throw new DatasetFormatException(file, "unreadable footer: " + e, e);
            }
            if (!footer.getDictionaries().isEmpty()) {
                throw DatasetFormatException.mismatch(file,
                        "dictionary batches (unsupported by the memory-mapped reader)", 0,
                        footer.getDictionaries().size());
            }
            return footer;
        }

        VectorSchemaRoot recordBatch(int index, ArrowBlock block, Schema schema) {
            long offset = block.getOffset();
            long metadataLength = block.getMetadataLength();
            long bodyLength = block.getBodyLength();
            long end = offset + metadataLength + bodyLength;
            if (offset < 8 || metadataLength < 8 || bodyLength < 0 || end > dataEnd) {
                throw new DatasetFormatException(file, "record batch " + index + " (offset " + offset
                        + ", metadata " + metadataLength + " bytes, body " + bodyLength + " bytes) ends at byte "
                        + end + ", expected at most " + dataEnd + " where the footer starts: the file is cut short"
                        + " or corrupt");
            }
            int first = mapping.get(INT_LE, offset);
            int prefix = first == MessageSerializer.IPC_CONTINUATION_TOKEN ? 8 : 4;
            int messageLength = prefix == 8 ? mapping.get(INT_LE, offset + 4) : first;
            if (messageLength <= 0 || prefix + messageLength > metadataLength) {
                throw DatasetFormatException.mismatch(file, "record batch " + index + " metadata message length",
                        "1.." + (metadataLength - prefix), messageLength);
            }
            RecordBatch header;
            try {
                Message message = Message.getRootAsMessage(byteBuffer(offset + prefix, messageLength));
                if (message.headerType() != MessageHeader.RecordBatch) {
                    throw DatasetFormatException.mismatch(file, "record batch " + index + " message type",
                            "RecordBatch", MessageHeader.name(message.headerType()));
                }
                if (message.bodyLength() != bodyLength) {
                    throw DatasetFormatException.mismatch(file, "record batch " + index
                            + " body length in its message", bodyLength + " (from the footer)", message.bodyLength());
                }
                header = (RecordBatch) message.header(new RecordBatch());
                if (header.compression() != null) {
                    throw DatasetFormatException.mismatch(file, "record batch " + index
                            + " compression (the memory-mapped reader needs uncompressed batches)", "none",
                            "codec " + header.compression().codec());
                }
                for (int b = 0; b < header.buffersLength(); b++) {
                    Buffer buffer = header.buffers(b);
                    if (buffer.offset() < 0 || buffer.length() < 0 || buffer.offset() + buffer.length() > bodyLength) {
                        throw new DatasetFormatException(file, "record batch " + index + " buffer " + b
                                + " (offset " + buffer.offset() + ", " + buffer.length() + " bytes) lies outside"
                                + " the batch body of " + bodyLength + " bytes");
                    }
                }
            } catch (DatasetFormatException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new DatasetFormatException(file, "unreadable metadata of record batch " + index + ": " + e, e);
            }
            ArrowBuf body = references.wrap(mapping.address() + offset + metadataLength, bodyLength);
            VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
            try (ArrowRecordBatch batch = MessageSerializer.deserializeRecordBatch(header, body)) {
                RecordBatchCheck.check(file, index, schema.getFields(), batch);
                new VectorLoader(root).load(batch);
                return root;
            } catch (IOException e) {
                root.close();
                throw new DatasetFormatException(file, "record batch " + index + ": " + e.getMessage(), e);
            } catch (DatasetFormatException e) {
                root.close();
                throw e;
            } catch (RuntimeException e) {
                root.close();
                throw new DatasetFormatException(file, "record batch " + index + " does not match the schema: " + e, e);
            }
        }

        private void checkMagic(long at, String what) {
            byte[] actual = mapping.asSlice(at, MAGIC.length).toArray(ValueLayout.JAVA_BYTE);
            if (!Arrays.equals(actual, MAGIC)) {
                throw DatasetFormatException.mismatch(file, what, "\"ARROW1\" (41 52 52 4f 57 31)",
                        HexFormat.ofDelimiter(" ").formatHex(actual));
            }
        }

        private ByteBuffer byteBuffer(long offset, long length) {
            return mapping.asSlice(offset, length).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }
    }
}
