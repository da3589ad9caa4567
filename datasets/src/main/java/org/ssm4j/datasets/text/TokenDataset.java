package org.ssm4j.datasets.text;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.ssm4j.datasets.DatasetFormatException;
import org.ssm4j.datasets.arrow.MappedArrowFile;
import org.ssm4j.datasets.arrow.SchemaCheck;

/**
 * A memory-mapped token file (one split of a text dataset): one non-null {@code int32} column
 * {@value #FIELD} holding the token stream in order, cut into record batches, with the schema
 * metadata {@value #TOKENIZER_KEY} and {@value #VOCAB_SIZE_KEY}. Reading checks every id against
 * the vocabulary size.
 */
public final class TokenDataset implements AutoCloseable {

    /** The token id column. */
    public static final String FIELD = "token_id";
    /** Schema metadata: the tokenizer's description. */
    public static final String TOKENIZER_KEY = "ssm4j.tokenizer";
    /** Schema metadata: one more than the largest allowed id. */
    public static final String VOCAB_SIZE_KEY = "ssm4j.vocab_size";

    private static final List<Field> FIELDS = List.of(Field.notNullable(FIELD, new ArrowType.Int(32, true)));

    private final MappedArrowFile file;
    private final int vocabSize;

    private TokenDataset(MappedArrowFile file) {
        this.file = file;
        this.vocabSize = SchemaCheck.intMetadata(file, VOCAB_SIZE_KEY, 1);
    }

    /**
     * @param tokenizer the tokenizer's description
     * @param vocabSize one more than the largest id
     * @return the schema of a token file
     */
    public static Schema schema(String tokenizer, int vocabSize) {
        return new Schema(FIELDS, Map.of(TOKENIZER_KEY, tokenizer, VOCAB_SIZE_KEY, Integer.toString(vocabSize)));
    }

    /**
     * Maps a token file.
     *
     * @param path the file
     * @return the dataset; close it to unmap
     * @throws DatasetFormatException if it is not a valid token file
     */
    public static TokenDataset open(Path path) {
        MappedArrowFile file = MappedArrowFile.open(path);
        try {
            SchemaCheck.require(file, FIELDS, List.of(TOKENIZER_KEY, VOCAB_SIZE_KEY));
            return new TokenDataset(file);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** @return the file */
    public Path path() {
        return file.path();
    }

    /** @return the number of tokens */
    public long size() {
        return file.rowCount();
    }

    /** @return one more than the largest allowed id */
    public int vocabSize() {
        return vocabSize;
    }

    /** @return the tokenizer's description */
    public String tokenizer() {
        return file.metadata().get(TOKENIZER_KEY);
    }

    /**
     * @param index a token position, {@code 0 <= index < size()}
     * @return the id there
     */
    public int get(long index) {
        int[] one = new int[1];
        read(index, one, 0, 1);
        return one[0];
    }

    /**
     * Copies consecutive token ids (across record batches as needed).
     *
     * @param start the first token position
     * @param destination where to copy to
     * @param offset the first index in {@code destination}
     * @param length how many tokens
     * @throws DatasetFormatException if an id lies outside the vocabulary
     */
    public void read(long start, int[] destination, int offset, int length) {
        file.ensureOpen();
        if (start < 0 || length < 0 || start > size() - length) {
            throw new IndexOutOfBoundsException("tokens " + start + ".." + (start + length - 1)
                    + " outside 0.." + (size() - 1) + " of " + file.path());
        }
        long position = start;
        int copied = 0;
        while (copied < length) {
            int batch = file.batchOfRow(position);
            long batchStart = file.firstRowOf(batch);
            int rowsInBatch = file.batch(batch).getRowCount();
            ArrowBuf values = file.batch(batch).getVector(0).getDataBuffer();
            int from = (int) (position - batchStart);
            int count = Math.min(length - copied, rowsInBatch - from);
            for (int i = 0; i < count; i++) {
                int id = values.getInt((long) (from + i) * Integer.BYTES);
                if (id < 0 || id >= vocabSize) {
                    throw DatasetFormatException.mismatch(file.path(), "token id at position " + (position + i),
                            "0.." + (vocabSize - 1), id);
                }
                destination[offset + copied + i] = id;
            }
            copied += count;
            position += count;
        }
    }

    @Override
    public void close() {
        file.close();
    }
}
