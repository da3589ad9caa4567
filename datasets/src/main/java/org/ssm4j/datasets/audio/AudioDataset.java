package org.ssm4j.datasets.audio;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.ssm4j.datasets.DatasetFormatException;
import org.ssm4j.datasets.arrow.MappedArrowFile;
import org.ssm4j.datasets.arrow.SchemaCheck;

/**
 * A memory-mapped audio file (one split of an audio dataset), one row per recording, all
 * columns non-null: {@value #SAMPLES_FIELD} ({@code List<int16>}, the mono samples, any length),
 * {@value #LABEL_FIELD} ({@code int32}), {@value #SPEAKER_FIELD} ({@code utf8}),
 * {@value #SAMPLE_RATE_FIELD} ({@code int32}, Hz) and {@value #SOURCE_FIELD} ({@code utf8}, the
 * WAV file's name).
 */
public final class AudioDataset implements AutoCloseable {

    /** The samples column. */
    public static final String SAMPLES_FIELD = "samples";
    /** The class label column. */
    public static final String LABEL_FIELD = "label";
    /** The speaker column. */
    public static final String SPEAKER_FIELD = "speaker";
    /** The sample rate column. */
    public static final String SAMPLE_RATE_FIELD = "sample_rate";
    /** The source file name column. */
    public static final String SOURCE_FIELD = "source";

    /** The schema of an audio file. */
    public static final Schema SCHEMA = new Schema(List.of(
            new Field(SAMPLES_FIELD, FieldType.notNullable(ArrowType.List.INSTANCE),
                    List.of(Field.notNullable("item", new ArrowType.Int(16, true)))),
            Field.notNullable(LABEL_FIELD, new ArrowType.Int(32, true)),
            Field.notNullable(SPEAKER_FIELD, ArrowType.Utf8.INSTANCE),
            Field.notNullable(SAMPLE_RATE_FIELD, new ArrowType.Int(32, true)),
            Field.notNullable(SOURCE_FIELD, ArrowType.Utf8.INSTANCE)));

    private final MappedArrowFile file;

    private AudioDataset(MappedArrowFile file) {
        if (file.rowCount() > Integer.MAX_VALUE) {
            throw DatasetFormatException.mismatch(file.path(), "row count", "at most " + Integer.MAX_VALUE,
                    file.rowCount());
        }
        this.file = file;
    }

    /**
     * Maps an audio file.
     *
     * @param path the file
     * @return the dataset; close it to unmap
     */
    public static AudioDataset open(Path path) {
        MappedArrowFile file = MappedArrowFile.open(path);
        try {
            SchemaCheck.requireFields(file, SCHEMA.getFields());
            return new AudioDataset(file);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** @return the file */
    public Path path() {
        return file.path();
    }

    /** @return the number of recordings */
    public int size() {
        return (int) file.rowCount();
    }

    /**
     * @param index a recording
     * @return its number of samples
     */
    public int length(int index) {
        Row row = row(index);
        ArrowBuf offsets = ((ListVector) row.root.getVector(SAMPLES_FIELD)).getOffsetBuffer();
        return offsets.getInt((row.row + 1L) * Integer.BYTES) - offsets.getInt((long) row.row * Integer.BYTES);
    }

    /**
     * Copies a recording's samples.
     *
     * @param index a recording
     * @param destination where to copy to, with room for {@link #length(int)} samples
     * @param offset the first index in {@code destination}
     */
    public void readSamples(int index, short[] destination, int offset) {
        Row row = row(index);
        ListVector list = (ListVector) row.root.getVector(SAMPLES_FIELD);
        ArrowBuf offsets = list.getOffsetBuffer();
        int start = offsets.getInt((long) row.row * Integer.BYTES);
        int end = offsets.getInt((row.row + 1L) * Integer.BYTES);
        ArrowBuf values = list.getDataVector().getDataBuffer();
        for (int i = start; i < end; i++) {
            destination[offset + i - start] = values.getShort((long) i * Short.BYTES);
        }
    }

    /**
     * @param index a recording
     * @return a copy of its samples
     */
    public short[] samples(int index) {
        short[] samples = new short[length(index)];
        readSamples(index, samples, 0);
        return samples;
    }

    /**
     * @param index a recording
     * @return its class label
     */
    public int label(int index) {
        Row row = row(index);
        return row.root.getVector(LABEL_FIELD).getDataBuffer().getInt((long) row.row * Integer.BYTES);
    }

    /**
     * @param index a recording
     * @return its sample rate in Hz
     */
    public int sampleRate(int index) {
        Row row = row(index);
        return row.root.getVector(SAMPLE_RATE_FIELD).getDataBuffer().getInt((long) row.row * Integer.BYTES);
    }

    /**
     * @param index a recording
     * @return its speaker
     */
    public String speaker(int index) {
        return text(index, SPEAKER_FIELD);
    }

    /**
     * @param index a recording
     * @return the name of the WAV file it came from
     */
    public String source(int index) {
        return text(index, SOURCE_FIELD);
    }

    private String text(int index, String field) {
        Row row = row(index);
        return new String(((VarCharVector) row.root.getVector(field)).get(row.row), StandardCharsets.UTF_8);
    }

    private Row row(int index) {
        int batch = file.batchOfRow(index);
        return new Row(file.batch(batch), (int) (index - file.firstRowOf(batch)));
    }

    private record Row(VectorSchemaRoot root, int row) {
    }

    @Override
    public void close() {
        file.close();
    }
}
