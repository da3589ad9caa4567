package org.ssm4j.mamba.tokenizer;

import java.util.Arrays;

/**
 * Turns a stream of token ids into a stream of text pieces, for printing tokens as they are
 * generated. Decoding ids one at a time is wrong for byte-level BPE (a character may span
 * tokens, and a token's text can depend on its neighbours), so each call decodes the ids
 * since the last emitted piece together with the one before it and emits what was added;
 * text that ends inside a multi-byte character (U+FFFD) waits for the next token.
 * The work per token does not grow with the length of the stream.
 */
public final class StreamingDecoder {

    private static final char REPLACEMENT = '\uFFFD';

    private final TextTokenizer tokenizer;
    private int[] ids = new int[16];
    private int size;
    /** Start of the context decoded with the pending ids (the last emitted piece's tokens). */
    private int prefixStart;
    /** Start of the ids whose text has not been emitted yet. */
    private int pendingStart;

    public StreamingDecoder(TextTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Adds a token and returns the text it completes (possibly empty, never null). */
    public String push(int id) {
        if (size == ids.length) {
            compact();
        }
        ids[size++] = id;
        String prefix = tokenizer.decode(Arrays.copyOfRange(ids, prefixStart, pendingStart));
        String full = tokenizer.decode(Arrays.copyOfRange(ids, prefixStart, size));
        if (full.length() <= prefix.length() || full.charAt(full.length() - 1) == REPLACEMENT) {
            return "";
        }
        prefixStart = pendingStart;
        pendingStart = size;
        return full.substring(prefix.length());
    }

    /** The text of ids still held back (an incomplete character at the end), emitted as is. */
    public String flush() {
        String prefix = tokenizer.decode(Arrays.copyOfRange(ids, prefixStart, pendingStart));
        String full = tokenizer.decode(Arrays.copyOfRange(ids, prefixStart, size));
        prefixStart = pendingStart = size;
        return full.length() > prefix.length() ? full.substring(prefix.length()) : "";
    }

    private void compact() {
        int keep = size - prefixStart;
        if (keep * 2 > ids.length) {
            ids = Arrays.copyOf(ids, ids.length * 2);
        }
        System.arraycopy(ids, prefixStart, ids, 0, keep);
        pendingStart -= prefixStart;
        size = keep;
        prefixStart = 0;
    }
}
