package org.ssm4j.mamba.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ssm4j.testing.SharedData;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizerTest {

    private static final String MIXED = "Héllo, wörld! Ünïcödé ✓ and an emoji 🙂 — \"quotes\"\n\ttabs  and  spaces.";

    private static Path neoxJson;
    private static HfTokenizer neox;

    @BeforeAll
    static void load() {
        neoxJson = SharedData.dataset("tokenizers/gpt-neox-20b/tokenizer.json");
        neox = HfTokenizer.load(neoxJson);
    }

    @AfterAll
    static void close() {
        neox.close();
    }

    @Test
    void gptNeoxIdsAreTheVocabularyEntries() throws IOException {
        JsonNode vocab = new ObjectMapper().readTree(neoxJson.toFile()).path("model").path("vocab");
        // Byte-level BPE: a leading space is the character Ġ.
        int[] expected = {vocab.get("Hello").asInt(), vocab.get("Ġworld").asInt()};
        assertArrayEquals(expected, neox.encode("Hello world"));
        assertEquals("Hello world", neox.decode(expected));
    }

    @Test
    void gptNeoxRoundTripsText() {
        assertEquals(MIXED, neox.decode(neox.encode(MIXED)));
    }

    @Test
    void longTextsAreNotTruncated() throws IOException {
        String text = Files.readString(SharedData.dataset("moby-dick/moby-dick.txt")).substring(20_000, 32_000);
        int[] ids = neox.encode(text);
        assertTrue(ids.length > 2000, "only " + ids.length + " tokens");
        assertEquals(text, neox.decode(ids));
    }

    @Test
    void byteTokenizerMapsUtf8Bytes() {
        int[] ids = ByteTokenizer.INSTANCE.encode(MIXED);
        byte[] bytes = MIXED.getBytes(StandardCharsets.UTF_8);
        assertEquals(bytes.length, ids.length);
        for (int i = 0; i < bytes.length; i++) {
            assertEquals(bytes[i] & 0xff, ids[i]);
        }
        assertEquals(MIXED, ByteTokenizer.INSTANCE.decode(ids));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ByteTokenizer.INSTANCE.decode(new int[]{65, 256}));
        assertTrue(e.getMessage().contains("256") && e.getMessage().contains("position 1"), e.getMessage());
    }

    @Test
    void streamingDecodingEmitsTheFullTextPieceByPiece() {
        for (TextTokenizer tokenizer : new TextTokenizer[]{neox, ByteTokenizer.INSTANCE}) {
            int[] ids = tokenizer.encode(MIXED + " " + MIXED);
            StreamingDecoder decoder = new StreamingDecoder(tokenizer);
            StringBuilder streamed = new StringBuilder();
            for (int id : ids) {
                String piece = decoder.push(id);
                assertTrue(piece.indexOf('\uFFFD') < 0, tokenizer + " emitted a partial character");
                streamed.append(piece);
            }
            streamed.append(decoder.flush());
            assertEquals(tokenizer.decode(ids), streamed.toString(), tokenizer.toString());
        }
        // An incomplete character is held back, then emitted by flush as the replacement character.
        StreamingDecoder bytes = new StreamingDecoder(ByteTokenizer.INSTANCE);
        assertEquals("a", bytes.push('a'));
        assertEquals("", bytes.push(0xE2));
        assertEquals("\uFFFD", bytes.flush());
    }

    @Test
    void aModelDirectoryGetsItsTokenizer(@TempDir Path dir) throws IOException {
        assertSame(ByteTokenizer.INSTANCE, TextTokenizer.forModel(dir, 256));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextTokenizer.forModel(dir, 50280));
        assertTrue(e.getMessage().contains("tokenizer.json") && e.getMessage().contains("50280"), e.getMessage());
        Files.copy(neoxJson, dir.resolve("tokenizer.json"));
        try (TextTokenizer t = TextTokenizer.forModel(dir, 50280)) {
            assertInstanceOf(HfTokenizer.class, t);
            assertArrayEquals(neox.encode(MIXED), t.encode(MIXED));
        }
    }

    @Test
    void malformedOrMissingTokenizerFilesAreRejected(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("tokenizer.json");
        Files.writeString(bad, "{\"not\": \"a tokenizer\"}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfTokenizer.load(bad));
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HfTokenizer.load(dir.resolve("absent.json")));
        assertThrows(IllegalArgumentException.class, () -> neox.decode(new int[]{-3}));
        // Ids past the tokenizer's vocabulary (the checkpoints' padding rows) are skipped, as Hugging Face does.
        int[] hello = neox.encode("Hello");
        assertEquals("Hello", neox.decode(new int[]{hello[0], 50279}));
    }
}
