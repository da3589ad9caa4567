package org.ssm4j.datasets.text;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.ssm4j.datasets.ProgressListener;

/** Byte-level "tokenization": every byte of the file is one token, id = unsigned byte value. */
public final class ByteTokenizer implements TextTokenizer {

    /** The description stored in token files made with this tokenizer. */
    public static final String DESCRIPTION = "bytes";

    @Override
    public String description() {
        return DESCRIPTION;
    }

    @Override
    public int vocabSize() {
        return 256;
    }

    @Override
    public int[] encode(byte[] content, Path source, ProgressListener progress) {
        int[] ids = new int[content.length];
        for (int i = 0; i < content.length; i++) {
            ids[i] = content[i] & 0xFF;
        }
        progress.advance(content.length);
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        byte[] bytes = new byte[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] > 255) {
                throw new IllegalArgumentException("byte token id " + ids[i] + " at " + i + " outside 0..255");
            }
            bytes[i] = (byte) ids[i];
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
    }
}
