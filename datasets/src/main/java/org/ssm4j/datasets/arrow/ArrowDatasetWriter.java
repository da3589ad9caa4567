package org.ssm4j.datasets.arrow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.pojo.Schema;
import org.ssm4j.io.AtomicFiles;

/**
 * Writes an uncompressed Arrow IPC file (the "file" format, readable by any Arrow library)
 * batch by batch through a temporary file that {@link #commit()} renames into place; closing
 * without committing deletes it. Usage: fill {@link #root()}'s vectors for up to a batch of
 * rows, call {@link #writeBatch(int)}, repeat, then {@link #commit()}.
 */
public final class ArrowDatasetWriter implements AutoCloseable {

    private final Path target;
    private final Path temporary;
    private final BufferAllocator allocator;
    private final VectorSchemaRoot root;
    private final FileChannel channel;
    private final ArrowFileWriter writer;
    private long rowsWritten;
    private boolean finished;

    private ArrowDatasetWriter(Path target, Schema schema) throws IOException {
        this.target = target.toAbsolutePath();
        this.temporary = AtomicFiles.temporarySibling(this.target);
        this.allocator = new RootAllocator();
        this.root = VectorSchemaRoot.create(schema, allocator);
        this.channel = FileChannel.open(temporary, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        this.writer = new ArrowFileWriter(root, null, channel);
        writer.start();
    }

    /**
     * Starts a file.
     *
     * @param target where the finished file goes (its directory is created if missing)
     * @param schema the file's schema, including its key-value metadata
     * @return the writer
     */
    public static ArrowDatasetWriter create(Path target, Schema schema) {
        try {
            return new ArrowDatasetWriter(target, schema);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start writing " + target, e);
        }
    }

    /** @return the vectors to fill with the next batch's rows */
    public VectorSchemaRoot root() {
        return root;
    }

    /** @return the rows written so far */
    public long rowsWritten() {
        return rowsWritten;
    }

    /**
     * Writes the first {@code rows} rows of {@link #root()} as one record batch, then resets the
     * vectors (keeping their memory) for the next batch.
     *
     * @param rows the number of rows filled in, at least 1
     */
    public void writeBatch(int rows) {
        if (rows <= 0) {
            throw new IllegalArgumentException("a record batch needs at least 1 row, got " + rows);
        }
        if (finished) {
            throw new IllegalStateException("the writer of " + target + " is already finished");
        }
        root.setRowCount(rows);
        try {
            writer.writeBatch();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + temporary, e);
        }
        rowsWritten += rows;
        root.getFieldVectors().forEach(FieldVector::reset);
        root.setRowCount(0);
    }

    /**
     * Finishes the file (footer), forces it to disk and renames it to its target.
     *
     * @return the target path
     */
    public Path commit() {
        if (finished) {
            throw new IllegalStateException("the writer of " + target + " is already finished");
        }
        try {
            writer.end();
            channel.force(true);
            writer.close();
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("cannot finish " + temporary, e);
        }
        finished = true;
        root.close();
        allocator.close();
        AtomicFiles.commit(temporary, target);
        return target;
    }

    /** Abandons an uncommitted file (deleting the temporary file) and frees the vectors. */
    @Override
    public void close() {
        if (finished) {
            return;
        }
        finished = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // the file is abandoned: only its deletion matters
        } finally {
            root.close();
            allocator.close();
            AtomicFiles.deleteQuietly(temporary);
        }
    }
}
