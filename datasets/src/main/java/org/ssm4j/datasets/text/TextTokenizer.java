package org.ssm4j.datasets.text;

import java.nio.file.Path;
import org.ssm4j.datasets.ProgressListener;

/** Turns the bytes of a text file into token ids in {@code 0..vocabSize()-1}. */
public interface TextTokenizer extends AutoCloseable {

    /** @return what the tokenizer is, for dataset metadata, e.g. {@code "bytes"} */
    String description();

    /** @return one more than the largest id this tokenizer produces */
    int vocabSize();

    /**
     * @param content the file's bytes
     * @param source the file, for error messages
     * @param progress told about every byte consumed (in units of bytes)
     * @return the token ids
     */
    int[] encode(byte[] content, Path source, ProgressListener progress);

    /**
     * @param ids token ids
     * @return the text they stand for (invalid UTF-8 is replaced by U+FFFD)
     */
    String decode(int[] ids);

    /** Releases native resources, if any. */
    @Override
    void close();
}
