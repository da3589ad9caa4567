package org.ssm4j.datasets.arrow;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.TypeLayout;
import org.apache.arrow.vector.ipc.message.ArrowFieldNode;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.ssm4j.datasets.DatasetFormatException;

/**
 * Checks, before any vector sees them, that a record batch's buffers are as long as its field
 * nodes require and that its offsets stay inside their targets. Without this a corrupt file
 * would not fail: Arrow's vectors silently reallocate (and zero-fill) a value buffer that is too
 * short for the row count.
 *
 * <p>Supported types are the fixed-width ones (integers, floats, booleans, decimals, dates,
 * times, timestamps, durations, intervals, fixed-size binary), variable-width binary and UTF-8
 * (32- and 64-bit offsets), lists (32- and 64-bit offsets), fixed-size lists and structs;
 * anything else is rejected with a message saying so.
 */
final class RecordBatchCheck {

    private final Path file;
    private final int batchIndex;
    private final Iterator<ArrowFieldNode> nodes;
    private final Iterator<ArrowBuf> buffers;

    private RecordBatchCheck(Path file, int batchIndex, ArrowRecordBatch batch) {
        this.file = file;
        this.batchIndex = batchIndex;
        this.nodes = batch.getNodes().iterator();
        this.buffers = batch.getBuffers().iterator();
    }

    /**
     * @param file the file, for messages
     * @param batchIndex the record batch's index in the file, for messages
     * @param fields the schema's top-level fields
     * @param batch the batch, with buffers that are views of the file's bytes
     */
    static void check(Path file, int batchIndex, List<Field> fields, ArrowRecordBatch batch) {
        RecordBatchCheck check = new RecordBatchCheck(file, batchIndex, batch);
        for (Field field : fields) {
            long length = check.field(field, field.getName());
            if (length != batch.getLength()) {
                throw check.problem(field.getName(), "row count", batch.getLength(), length);
            }
        }
        if (check.nodes.hasNext() || check.buffers.hasNext()) {
            throw new DatasetFormatException(file, "record batch " + batchIndex
                    + " has more field nodes or buffers than its schema's " + fields.size() + " fields use");
        }
    }

    /** Checks one field and its children; returns its node's length. */
    private long field(Field field, String path) {
        if (!nodes.hasNext()) {
            throw new DatasetFormatException(file, "record batch " + batchIndex + " lacks the field node of " + path);
        }
        ArrowFieldNode node = nodes.next();
        long rows = node.getLength();
        if (rows < 0 || node.getNullCount() < 0 || node.getNullCount() > rows) {
            throw problem(path, "null count within the row count " + rows, "0.." + rows, node.getNullCount());
        }
        ArrowType type = field.getType();
        switch (type.getTypeID()) {
            case Int, FloatingPoint, Decimal, Date, Time, Timestamp, Duration, Interval, FixedSizeBinary, Bool -> {
                validity(path, node);
                int bitWidth = TypeLayout.getTypeLayout(type).getBufferLayouts().get(1).getTypeBitWidth();
                atLeast(path, "value buffer", next(path), (rows * bitWidth + 7) / 8);
            }
            case Utf8, Binary, LargeUtf8, LargeBinary -> {
                validity(path, node);
                int offsetWidth = type.getTypeID() == ArrowType.ArrowTypeID.Utf8
                        || type.getTypeID() == ArrowType.ArrowTypeID.Binary ? 4 : 8;
                ArrowBuf offsets = next(path);
                ArrowBuf data = next(path);
                offsets(path, offsets, offsetWidth, rows, data.capacity(), "data bytes");
            }
            case List, LargeList -> {
                validity(path, node);
                int offsetWidth = type.getTypeID() == ArrowType.ArrowTypeID.List ? 4 : 8;
                ArrowBuf offsets = next(path);
                Field child = field.getChildren().getFirst();
                long childRows = field(child, path + "." + child.getName());
                offsets(path, offsets, offsetWidth, rows, childRows, "child values");
            }
            case FixedSizeList -> {
                validity(path, node);
                Field child = field.getChildren().getFirst();
                long childRows = field(child, path + "." + child.getName());
                long listSize = ((ArrowType.FixedSizeList) type).getListSize();
                if (childRows < rows * listSize) {
                    throw problem(path, "child value count", "at least " + rows * listSize, childRows);
                }
            }
            case Struct -> {
                validity(path, node);
                for (Field child : field.getChildren()) {
                    long childRows = field(child, path + "." + child.getName());
                    if (childRows < rows) {
                        throw problem(path + "." + child.getName(), "row count", "at least " + rows, childRows);
                    }
                }
            }
            default -> throw new DatasetFormatException(file, "field " + path + " has type " + type
                    + ", which the memory-mapped reader does not support");
        }
        return rows;
    }

    private ArrowBuf next(String path) {
        if (!buffers.hasNext()) {
            throw new DatasetFormatException(file, "record batch " + batchIndex + " lacks a buffer of field " + path);
        }
        return buffers.next();
    }

    /** An absent (empty) validity buffer is allowed when there are no nulls or only nulls. */
    private void validity(String path, ArrowFieldNode node) {
        ArrowBuf validity = next(path);
        if (validity.capacity() == 0
                && (node.getNullCount() == 0 || node.getNullCount() == node.getLength())) {
            return;
        }
        atLeast(path, "validity buffer", validity, (node.getLength() + 7) / 8);
    }

    private void atLeast(String path, String what, ArrowBuf buffer, long bytes) {
        if (buffer.capacity() < bytes) {
            throw problem(path, what + " length in bytes", "at least " + bytes, buffer.capacity());
        }
    }

    /** Offsets must start at or above 0, never decrease, and end within {@code targetLength}. */
    private void offsets(String path, ArrowBuf offsets, int width, long rows, long targetLength, String target) {
        if (rows == 0) {
            return;
        }
        atLeast(path, "offset buffer", offsets, (rows + 1) * width);
        long previous = 0;
        for (long i = 0; i <= rows; i++) {
            long offset = width == 4 ? offsets.getInt(i * 4) : offsets.getLong(i * 8);
            if (offset < previous || offset > targetLength) {
                throw problem(path, "offset " + i + " (into " + targetLength + " " + target + ")",
                        "between " + previous + " and " + targetLength, offset);
            }
            previous = offset;
        }
    }

    private DatasetFormatException problem(String path, String what, Object expected, Object actual) {
        return DatasetFormatException.mismatch(file, "record batch " + batchIndex + ", field " + path + ", " + what,
                expected, actual);
    }
}
