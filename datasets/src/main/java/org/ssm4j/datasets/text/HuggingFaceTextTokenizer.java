package org.ssm4j.datasets.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.ssm4j.datasets.DatasetFormatException;
import org.ssm4j.datasets.ProgressListener;

/**
 * A Hugging Face {@code tokenizer.json} (BPE such as GPT-2's and GPT-NeoX's, or any other model
 * the tokenizers library runs) through DJL's binding, which carries the native library in its jar
 * and works offline. Truncation, padding and special tokens are switched off: DJL would otherwise
 * cut every text at 512 tokens.
 *
 * <p>Long files are encoded in pieces of about {@value #PIECE_CHARS} characters, cut only right
 * after a line feed that is followed by a non-whitespace character. For byte-level pre-tokenizers
 * without a prefix space (GPT-2, GPT-NeoX) no pre-token and no normalisation crosses such a
 * point, so the ids equal those of encoding the whole file at once (a test checks this). When
 * the tokenizer adds a prefix space or uses a Metaspace pre-tokenizer, that no longer holds, and
 * each file is encoded whole.
 */
public final class HuggingFaceTextTokenizer implements TextTokenizer {

    /** The approximate size of the pieces long texts are encoded in. */
    public static final int PIECE_CHARS = 1 << 16;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final HuggingFaceTokenizer tokenizer;
    private final int vocabSize;
    private final boolean encodesInPieces;

    private HuggingFaceTextTokenizer(Path file, HuggingFaceTokenizer tokenizer, int vocabSize, boolean encodesInPieces) {
        this.file = file;
        this.tokenizer = tokenizer;
        this.vocabSize = vocabSize;
        this.encodesInPieces = encodesInPieces;
    }

    /**
     * @param tokenizerJson a Hugging Face {@code tokenizer.json}
     * @return the tokenizer; close it to free its native memory
     * @throws IllegalArgumentException if the file does not exist
     * @throws DatasetFormatException if it is not a tokenizer file
     */
    public static HuggingFaceTextTokenizer load(Path tokenizerJson) {
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new IllegalArgumentException("tokenizer file does not exist: " + tokenizerJson);
        }
        JsonNode root;
        try {
            root = JSON.readTree(tokenizerJson.toFile());
        } catch (IOException e) {
            throw new DatasetFormatException(tokenizerJson, "not a JSON tokenizer file: " + e.getMessage(), e);
        }
        int vocabSize = vocabSize(tokenizerJson, root);
        boolean inPieces = !hasPrefixSpaceOrMetaspace(root.path("pre_tokenizer"))
                && !hasPrefixSpaceOrMetaspace(root.path("normalizer"));
        try {
            HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of(
                    "truncation", "false",
                    "padding", "false",
                    "addSpecialTokens", "false"));
            return new HuggingFaceTextTokenizer(tokenizerJson, tokenizer, vocabSize, inPieces);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + tokenizerJson, e);
        } catch (RuntimeException e) {
            throw new DatasetFormatException(tokenizerJson, "the tokenizers library rejects it: " + e.getMessage(), e);
        }
    }

    /** One more than the largest id in {@code model.vocab} (an object or a list) and {@code added_tokens}. */
    private static int vocabSize(Path file, JsonNode root) {
        JsonNode vocab = root.path("model").path("vocab");
        long maxId = -1;
        if (vocab.isObject()) {
            for (JsonNode id : (Iterable<JsonNode>) vocab::elements) {
                maxId = Math.max(maxId, id.asLong(-1));
            }
        } else if (vocab.isArray()) {
            maxId = vocab.size() - 1L;
        } else {
            throw DatasetFormatException.mismatch(file, "model.vocab", "an object or a list of tokens",
                    vocab.isMissingNode() ? "absent" : vocab.getNodeType());
        }
        for (JsonNode added : root.path("added_tokens")) {
            maxId = Math.max(maxId, added.path("id").asLong(-1));
        }
        if (maxId < 0 || maxId >= Integer.MAX_VALUE) {
            throw DatasetFormatException.mismatch(file, "largest token id", "0.." + (Integer.MAX_VALUE - 1), maxId);
        }
        return (int) maxId + 1;
    }

    private static boolean hasPrefixSpaceOrMetaspace(JsonNode node) {
        if (node.path("add_prefix_space").asBoolean(false) || "Metaspace".equals(node.path("type").asText())) {
            return true;
        }
        for (JsonNode child : node) {
            if (hasPrefixSpaceOrMetaspace(child)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String description() {
        return "huggingface:" + file.getFileName();
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    /** @return whether long texts are encoded piece by piece (see the class comment) */
    public boolean encodesInPieces() {
        return encodesInPieces;
    }

    /**
     * Encodes a text in one call, however long.
     *
     * @param text the text
     * @return its token ids
     */
    public int[] encode(String text) {
        Encoding encoding = tokenizer.encode(text, false, false);
        if (encoding.exceedMaxLength()) {
            throw new IllegalStateException("the tokenizer truncated a text of " + text.length()
                    + " characters although truncation is off");
        }
        long[] ids = encoding.getIds();
        int[] result = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new IllegalStateException("the tokenizer " + file + " produced id " + ids[i]
                        + ", outside its vocabulary 0.." + (vocabSize - 1));
            }
            result[i] = (int) ids[i];
        }
        return result;
    }

    @Override
    public int[] encode(byte[] content, Path source, ProgressListener progress) {
        String text = decodeUtf8(content, source);
        if (!encodesInPieces || text.length() <= PIECE_CHARS) {
            int[] ids = encode(text);
            progress.advance(content.length);
            return ids;
        }
        List<int[]> pieces = new ArrayList<>();
        long reportedBytes = 0;
        int start = 0;
        while (start < text.length()) {
            int end = pieceEnd(text, start, PIECE_CHARS);
            pieces.add(encode(text.substring(start, end)));
            long bytesDone = (long) content.length * end / text.length();
            progress.advance(bytesDone - reportedBytes);
            reportedBytes = bytesDone;
            start = end;
        }
        return concat(pieces);
    }

    /**
     * The end of the piece that starts at {@code start}: the first index at or after
     * {@code start + minChars} that follows a line feed and holds a non-whitespace character, or
     * the text's end if there is none.
     */
    static int pieceEnd(String text, int start, int minChars) {
        for (int i = Math.max(start + minChars, start + 1); i < text.length(); i++) {
            if (text.charAt(i - 1) == '\n' && !Character.isWhitespace(text.charAt(i))) {
                return i;
            }
        }
        return text.length();
    }

    @Override
    public String decode(int[] ids) {
        long[] longIds = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            longIds[i] = ids[i];
        }
        return tokenizer.decode(longIds, false);
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    private static String decodeUtf8(byte[] content, Path source) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(content);
        CharBuffer out = CharBuffer.allocate(content.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            throw new DatasetFormatException(source, "not UTF-8 text: invalid byte sequence of length "
                    + result.length() + " at byte offset " + in.position());
        }
        return out.flip().toString();
    }

    private static int[] concat(List<int[]> parts) {
        int total = 0;
        for (int[] part : parts) {
            total = Math.addExact(total, part.length);
        }
        int[] all = new int[total];
        int at = 0;
        for (int[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }
}
