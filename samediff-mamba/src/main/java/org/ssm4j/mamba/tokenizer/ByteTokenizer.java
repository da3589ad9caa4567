package org.ssm4j.mamba.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * The byte-level tokenizer: a text's tokens are its UTF-8 bytes, ids 0 to 255. For byte-level
 * models (vocabulary 256) such as the test fixtures and the experiments' character models.
 */
public final class ByteTokenizer implements TextTokenizer {

    /** The vocabulary size: one id per byte value. */
    public static final int VOCAB_SIZE = 256;

    /** The tokenizer; it has no state. */
    public static final ByteTokenizer INSTANCE = new ByteTokenizer();

    private ByteTokenizer() {
    }

    @Override
    public int[] encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = bytes[i] & 0xff;
        }
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        byte[] bytes = new byte[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= VOCAB_SIZE) {
                throw new IllegalArgumentException("token id " + ids[i] + " at position " + i
                        + " is not a byte; expected 0.." + (VOCAB_SIZE - 1));
            }
            bytes[i] = (byte) ids[i];
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "ByteTokenizer";
    }
}
