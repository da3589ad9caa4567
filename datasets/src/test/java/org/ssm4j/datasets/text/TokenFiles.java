package org.ssm4j.datasets.text;

import java.nio.file.Path;
import org.apache.arrow.vector.IntVector;
import org.ssm4j.datasets.arrow.ArrowDatasetWriter;

/** Writes token files with chosen ids for tests. */
final class TokenFiles {

    private TokenFiles() {
    }

    /**
     * @param target the file
     * @param ids the token stream
     * @param vocabSize the declared vocabulary size
     * @param perBatch tokens per record batch
     * @return the file
     */
    static Path write(Path target, int[] ids, int vocabSize, int perBatch) {
        try (ArrowDatasetWriter writer = ArrowDatasetWriter.create(target, TokenDataset.schema("test", vocabSize))) {
            IntVector vector = (IntVector) writer.root().getVector(TokenDataset.FIELD);
            for (int start = 0; start < ids.length; start += perBatch) {
                int rows = Math.min(perBatch, ids.length - start);
                vector.allocateNew(rows);
                for (int i = 0; i < rows; i++) {
                    vector.set(i, ids[start + i]);
                }
                writer.writeBatch(rows);
            }
            writer.commit();
        }
        return target;
    }
}
