package org.ssm4j.datasets.arrow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.message.ArrowFieldNode;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ssm4j.datasets.DatasetFormatException;

class MappedArrowFileTest {

    private static final Schema SCHEMA = new Schema(List.of(
            Field.notNullable("id", new ArrowType.Int(32, true)),
            Field.notNullable("pixels", new ArrowType.FixedSizeBinary(3)),
            new Field("samples", FieldType.notNullable(ArrowType.List.INSTANCE),
                    List.of(Field.notNullable("item", new ArrowType.Int(16, true)))),
            Field.notNullable("name", ArrowType.Utf8.INSTANCE)),
            Map.of("purpose", "test"));

    @TempDir
    Path temp;

    /** Writes {@code rows} rows in batches of {@code perBatch}; row r has id r*7, pixels (r, r+1, r+2), r%5 samples, name "row r". */
    private Path writeSample(String name, int rows, int perBatch) {
        Path target = temp.resolve(name);
        try (ArrowDatasetWriter writer = ArrowDatasetWriter.create(target, SCHEMA)) {
            VectorSchemaRoot root = writer.root();
            IntVector ids = (IntVector) root.getVector("id");
            FixedSizeBinaryVector pixels = (FixedSizeBinaryVector) root.getVector("pixels");
            ListVector samples = (ListVector) root.getVector("samples");
            SmallIntVector values = (SmallIntVector) samples.getDataVector();
            VarCharVector names = (VarCharVector) root.getVector("name");
            int inBatch = 0;
            for (int r = 0; r < rows; r++) {
                ids.setSafe(inBatch, r * 7);
                pixels.setSafe(inBatch, new byte[]{(byte) r, (byte) (r + 1), (byte) (r + 2)});
                int start = samples.startNewValue(inBatch);
                for (int i = 0; i < r % 5; i++) {
                    values.setSafe(start + i, (short) (r - 1000 * i));
                }
                samples.endValue(inBatch, r % 5);
                names.setSafe(inBatch, ("row " + r).getBytes(StandardCharsets.UTF_8));
                if (++inBatch == perBatch) {
                    writer.writeBatch(inBatch);
                    inBatch = 0;
                }
            }
            if (inBatch > 0) {
                writer.writeBatch(inBatch);
            }
            writer.commit();
        }
        return target;
    }

    @Test
    void mappedVectorsEqualArrowsOwnReaderAndPointIntoTheMapping() throws IOException {
        Path file = writeSample("sample.arrow", 1003, 100);
        try (MappedArrowFile mapped = MappedArrowFile.open(file);
             BufferAllocator allocator = new RootAllocator();
             ArrowFileReader reference = new ArrowFileReader(FileChannel.open(file, StandardOpenOption.READ), allocator)) {
            assertEquals(SCHEMA, mapped.schema());
            assertEquals("test", mapped.metadata().get("purpose"));
            assertEquals(11, mapped.batchCount());
            assertEquals(1003, mapped.rowCount());
            for (int b = 0; b < mapped.batchCount(); b++) {
                assertTrue(reference.loadNextBatch());
                VectorSchemaRoot expected = reference.getVectorSchemaRoot();
                VectorSchemaRoot actual = mapped.batch(b);
                assertEquals(expected.getRowCount(), actual.getRowCount());
                assertTrue(expected.equals(actual), "batch " + b + " differs from ArrowFileReader's");
                ArrowBuf data = actual.getVector("id").getDataBuffer();
                assertInstanceOf(MappedMemoryReferenceManager.class, data.getReferenceManager(),
                        "the values are views of the mapped file, not copies");
            }
            assertFalse(reference.loadNextBatch());
        }
    }

    @Test
    void rowsMapToTheirBatches() {
        Path file = writeSample("rows.arrow", 250, 100);
        try (MappedArrowFile mapped = MappedArrowFile.open(file)) {
            assertEquals(0, mapped.batchOfRow(0));
            assertEquals(0, mapped.batchOfRow(99));
            assertEquals(1, mapped.batchOfRow(100));
            assertEquals(2, mapped.batchOfRow(249));
            assertEquals(200, mapped.firstRowOf(2));
            IntVector ids = (IntVector) mapped.batch(2).getVector("id");
            assertEquals(249 * 7, ids.get(49));
            assertThrows(IndexOutOfBoundsException.class, () -> mapped.batchOfRow(250));
        }
    }

    @Test
    void aFileWithoutBatchesHasNoRows() {
        Path file = writeSample("empty.arrow", 0, 10);
        try (MappedArrowFile mapped = MappedArrowFile.open(file)) {
            assertEquals(0, mapped.batchCount());
            assertEquals(0, mapped.rowCount());
        }
    }

    @Test
    void closedFilesRefuseAccess() {
        Path file = writeSample("closed.arrow", 10, 10);
        MappedArrowFile mapped = MappedArrowFile.open(file);
        mapped.close();
        mapped.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> mapped.batch(0));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void aFileCutShortIsRejectedWithItsName() throws IOException {
        Path file = writeSample("whole.arrow", 300, 100);
        byte[] bytes = Files.readAllBytes(file);
        for (int length : new int[]{bytes.length - 1, bytes.length / 2, 20, 5}) {
            Path cut = temp.resolve("cut-" + length + ".arrow");
            Files.write(cut, Arrays.copyOf(bytes, length));
            DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> MappedArrowFile.open(cut));
            assertEquals(cut, e.file());
            assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("expected") && e.getMessage().contains("actual"), e.getMessage());
        }
    }

    @Test
    void aFooterLengthBeyondTheFileIsRejected() throws IOException {
        Path file = writeSample("footer.arrow", 30, 10);
        byte[] bytes = Files.readAllBytes(file);
        int at = bytes.length - 10;
        bytes[at] = (byte) 0xff;
        bytes[at + 1] = (byte) 0xff;
        bytes[at + 2] = (byte) 0xff;
        bytes[at + 3] = (byte) 0x0f;
        Files.write(file, bytes);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> MappedArrowFile.open(file));
        assertTrue(e.getMessage().contains("footer length: expected 1.."), e.getMessage());
    }

    @Test
    void textIsNotArrow() throws IOException {
        Path file = temp.resolve("notes.arrow");
        Files.writeString(file, "these are not the bytes of an Arrow file");
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> MappedArrowFile.open(file));
        assertTrue(e.getMessage().contains("magic number at the start"), e.getMessage());
        assertTrue(e.getMessage().contains("actual 74 68 65 73 65 20"), e.getMessage());
    }

    @Test
    void aMissingFileIsAnArgumentError() {
        Path missing = temp.resolve("absent.arrow");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MappedArrowFile.open(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void buffersShorterThanTheirRowsAreRejectedBeforeAnyVectorSeesThem() {
        try (BufferAllocator allocator = new RootAllocator()) {
            MappedMemoryReferenceManager references = new MappedMemoryReferenceManager(allocator);
            try (ArrowBuf memory = allocator.buffer(4096)) {
                memory.setZero(0, 4096);
                ArrowBuf validity = references.wrap(memory.memoryAddress(), 125);
                ArrowBuf values = references.wrap(memory.memoryAddress() + 128, 100);
                ArrowRecordBatch batch = new ArrowRecordBatch(1000, List.of(new ArrowFieldNode(1000, 0)),
                        List.of(validity, values));
                Path file = temp.resolve("short.arrow");
                DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> RecordBatchCheck.check(
                        file, 3, List.of(Field.notNullable("id", new ArrowType.Int(32, true))), batch));
                assertEquals(file + ": record batch 3, field id, value buffer length in bytes: expected at least 4000,"
                        + " actual 100", e.getMessage());
            }
        }
    }

    @Test
    void offsetsBeyondTheChildValuesAreRejected() {
        try (BufferAllocator allocator = new RootAllocator()) {
            MappedMemoryReferenceManager references = new MappedMemoryReferenceManager(allocator);
            try (ArrowBuf memory = allocator.buffer(4096)) {
                memory.setZero(0, 4096);
                long base = memory.memoryAddress();
                // 2 lists with offsets 0, 3, 9 over a child of only 8 values
                memory.setInt(64, 0);
                memory.setInt(68, 3);
                memory.setInt(72, 9);
                ArrowRecordBatch batch = new ArrowRecordBatch(2,
                        List.of(new ArrowFieldNode(2, 0), new ArrowFieldNode(8, 0)),
                        List.of(references.wrap(base, 8), references.wrap(base + 64, 12),
                                references.wrap(base + 128, 8), references.wrap(base + 256, 16)));
                Path file = temp.resolve("lists.arrow");
                DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> RecordBatchCheck.check(
                        file, 0, List.of(SCHEMA.getFields().get(2)), batch));
                assertTrue(e.getMessage().contains("field samples, offset 2 (into 8 child values): expected between 3"
                        + " and 8, actual 9"), e.getMessage());
            }
        }
    }

    @Test
    void typedReadersNameSchemaDifferences() {
        Path file = writeSample("other.arrow", 5, 5);
        try (MappedArrowFile mapped = MappedArrowFile.open(file)) {
            DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> SchemaCheck.requireFields(
                    mapped, List.of(Field.notNullable("token_id", new ArrowType.Int(32, true)))));
            assertTrue(e.getMessage().contains("schema: expected [token_id: Int(32, true) not null], actual [id:"),
                    e.getMessage());
            DatasetFormatException missing = assertThrows(DatasetFormatException.class,
                    () -> SchemaCheck.requireMetadata(mapped, List.of("ssm4j.vocab_size")));
            assertTrue(missing.getMessage().contains("\"ssm4j.vocab_size\": expected present, actual absent"),
                    missing.getMessage());
        }
    }

    @Test
    void anAbandonedWriterLeavesNoFile() throws IOException {
        Path target = temp.resolve("abandoned.arrow");
        try (ArrowDatasetWriter writer = ArrowDatasetWriter.create(target, SCHEMA)) {
            ((IntVector) writer.root().getVector("id")).setSafe(0, 1);
        }
        assertFalse(Files.exists(target));
        try (var files = Files.list(temp)) {
            assertEquals(List.of(), files.toList());
        }
    }
}
