package org.ssm4j.mamba.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Turns text into token ids and back.
 *
 * <p>Two implementations: {@link HfTokenizer} reads a Hugging Face {@code tokenizer.json}
 * (the GPT-NeoX BPE of the Mamba checkpoints, for instance), {@link ByteTokenizer} maps text
 * to its UTF-8 bytes (vocabulary 256) for byte-level models. Close a tokenizer when done:
 * {@link HfTokenizer} holds native memory.
 */
public interface TextTokenizer extends AutoCloseable {

    /** The token ids of a text, with no truncation whatever its length. */
    int[] encode(String text);

    /**
     * The text of a sequence of token ids. Ids that end in the middle of a multi-byte
     * character decode to U+FFFD there ({@link StreamingDecoder} holds such text back).
     *
     * @throws IllegalArgumentException if an id is negative, or outside the vocabulary of a
     *                                  tokenizer that cannot skip it ({@link ByteTokenizer});
     *                                  {@link HfTokenizer} skips ids it does not know, as
     *                                  Hugging Face's {@code decode} does (the Mamba checkpoints
     *                                  pad their vocabulary beyond the tokenizer's)
     */
    String decode(int[] ids);

    /** Releases native resources; the tokenizer cannot be used afterwards. Does nothing by default. */
    @Override
    default void close() {
    }

    /**
     * The tokenizer of a model directory: its {@code tokenizer.json} if there is one, else the
     * byte-level tokenizer when the model's vocabulary has {@value ByteTokenizer#VOCAB_SIZE} entries.
     *
     * @param modelDirectory a Hugging Face model directory
     * @param vocabSize      the model's vocabulary size (config.json's {@code vocab_size})
     * @throws IllegalArgumentException if the directory has no tokenizer.json and the vocabulary
     *                                  is not byte-level
     */
    static TextTokenizer forModel(Path modelDirectory, int vocabSize) {
        Path json = modelDirectory.resolve(HfTokenizer.FILE_NAME);
        if (Files.isRegularFile(json)) {
            return HfTokenizer.load(json);
        }
        if (vocabSize == ByteTokenizer.VOCAB_SIZE) {
            return ByteTokenizer.INSTANCE;
        }
        throw new IllegalArgumentException("model directory " + modelDirectory + " has no " + HfTokenizer.FILE_NAME
                + " and its vocabulary of " + vocabSize + " tokens is not byte-level (" + ByteTokenizer.VOCAB_SIZE
                + "); add the model's tokenizer.json or pass token ids instead of text");
    }
}
