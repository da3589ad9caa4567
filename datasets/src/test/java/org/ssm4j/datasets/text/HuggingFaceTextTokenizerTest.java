package org.ssm4j.datasets.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ssm4j.datasets.DatasetCard;
import org.ssm4j.datasets.DatasetFormatException;
import org.ssm4j.datasets.ProgressListener;
import org.ssm4j.datasets.Provenance;
import org.ssm4j.datasets.RecordingProgress;
import org.ssm4j.testing.SharedData;

class HuggingFaceTextTokenizerTest {

    private static Path tokenizerFile;
    private static HuggingFaceTextTokenizer neox;

    @TempDir
    Path temp;

    @BeforeAll
    static void load() {
        tokenizerFile = SharedData.dataset("tokenizers/gpt-neox-20b/tokenizer.json");
        neox = HuggingFaceTextTokenizer.load(tokenizerFile);
    }

    @AfterAll
    static void close() {
        neox.close();
    }

    @Test
    void gptNeoxIdsAndVocabulary() {
        // ids as the GPT-NeoX tokenizer assigns them ("Hello", " world", "<|endoftext|>")
        assertArrayEquals(new int[]{12092, 1533}, neox.encode("Hello world"));
        assertArrayEquals(new int[]{0}, neox.encode("<|endoftext|>"));
        assertEquals(50277, neox.vocabSize(), "50,254 vocabulary ids + added tokens up to id 50,276");
        assertTrue(neox.encodesInPieces());
    }

    @Test
    void longTextsAreNotTruncated() throws IOException {
        String text = Files.readString(SharedData.dataset("tinyshakespeare/input.txt")).substring(0, 20_000);
        int[] ids = neox.encode(text);
        assertTrue(ids.length > 4000, "far beyond DJL's default limit of 512: " + ids.length);
        assertEquals(text, neox.decode(ids));
    }

    @Test
    void encodingInPiecesEqualsEncodingWhole() throws IOException {
        byte[] moby = Files.readAllBytes(SharedData.dataset("moby-dick/moby-dick.txt"));
        String text = new String(moby, 0, 300_000, StandardCharsets.UTF_8);
        text = text.substring(0, text.lastIndexOf('\n') + 1);
        byte[] content = text.getBytes(StandardCharsets.UTF_8);
        int[] whole = neox.encode(text);
        RecordingProgress progress = new RecordingProgress();
        progress.begin("tokenizing", content.length, "B");
        int[] pieces = neox.encode(content, Path.of("moby-dick.txt"), progress);
        progress.end();
        assertTrue(progress.allComplete(), "every byte reported: " + progress.tasks());
        assertTrue(text.length() > 4 * HuggingFaceTextTokenizer.PIECE_CHARS, "several pieces");
        assertArrayEquals(whole, pieces);
    }

    @Test
    void piecesEndAfterALineFeedBeforeNonWhitespace() {
        String text = "ab\n\ncd\n ef\ngh";
        assertEquals(4, HuggingFaceTextTokenizer.pieceEnd(text, 0, 1));
        assertEquals(11, HuggingFaceTextTokenizer.pieceEnd(text, 4, 2));
        assertEquals(text.length(), HuggingFaceTextTokenizer.pieceEnd(text, 11, 1));
    }

    @Test
    void bpeConversionMatchesTheTokenizer() throws IOException {
        Path input = temp.resolve("shakespeare-head.txt");
        String head = Files.readString(SharedData.dataset("tinyshakespeare/input.txt")).substring(0, 50_000);
        Files.writeString(input, head);
        Path out = temp.resolve("bpe");
        DatasetCard card = TextConverter.convert(new TextPreparation(List.of(input), out, tokenizerFile, 0.2, 1000,
                Provenance.of("test")), ProgressListener.NONE);
        int[] expected = neox.encode(head);
        try (TokenDataset train = TokenDataset.open(out.resolve(TextConverter.TRAIN_FILE));
             TokenDataset valid = TokenDataset.open(out.resolve(TextConverter.VALIDATION_FILE))) {
            assertEquals(expected.length, train.size() + valid.size());
            assertEquals(Math.round(expected.length * 0.2), valid.size());
            assertEquals(50277, train.vocabSize());
            assertEquals("huggingface:tokenizer.json", train.tokenizer());
            int[] actual = new int[expected.length];
            train.read(0, actual, 0, (int) train.size());
            valid.read(0, actual, (int) train.size(), (int) valid.size());
            assertArrayEquals(expected, actual);
        }
        assertEquals(2, card.inputs().size(), "the text and the tokenizer");
        assertEquals(tokenizerFile.toAbsolutePath().toString(), card.inputs().get(1).path());
    }

    @Test
    void aFileThatIsNotATokenizerIsNamed() throws IOException {
        Path bogus = temp.resolve("tokenizer.json");
        Files.writeString(bogus, "{\"model\": {\"type\": \"BPE\"}}");
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> HuggingFaceTextTokenizer.load(bogus));
        assertEquals(bogus + ": model.vocab: expected an object or a list of tokens, actual absent", e.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> HuggingFaceTextTokenizer.load(temp.resolve("absent.json")));
        assertTrue(missing.getMessage().contains("absent.json"), missing.getMessage());
    }
}
