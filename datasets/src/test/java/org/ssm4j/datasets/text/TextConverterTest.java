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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ssm4j.datasets.DatasetCard;
import org.ssm4j.datasets.DatasetFormatException;
import org.ssm4j.datasets.FileDigests;
import org.ssm4j.datasets.ProgressListener;
import org.ssm4j.datasets.Provenance;
import org.ssm4j.datasets.RecordingProgress;
import org.ssm4j.testing.SharedData;

class TextConverterTest {

    @TempDir
    Path temp;

    @Test
    void byteLevelRoundTripOfTinyShakespeare() throws IOException {
        Path input = SharedData.dataset("tinyshakespeare/input.txt");
        byte[] raw = Files.readAllBytes(input);
        Path out = temp.resolve("shakespeare-bytes");
        // small record batches so that reads cross many batch boundaries
        RecordingProgress progress = new RecordingProgress();
        DatasetCard card = TextConverter.convert(new TextPreparation(List.of(input), out, null, 0.1, 100_000,
                Provenance.of("test")), progress);
        assertTrue(progress.allComplete(), progress.tasks().toString());
        assertEquals(raw.length, progress.tasks().getFirst().total(), "bytes tokenized");

        long validation = Math.round(raw.length * 0.1);
        assertEquals(1_115_394, raw.length);
        try (TokenDataset train = TokenDataset.open(out.resolve(TextConverter.TRAIN_FILE));
             TokenDataset valid = TokenDataset.open(out.resolve(TextConverter.VALIDATION_FILE))) {
            assertEquals(raw.length - validation, train.size());
            assertEquals(validation, valid.size());
            assertEquals(256, train.vocabSize());
            assertEquals("bytes", train.tokenizer());
            int[] all = new int[raw.length];
            train.read(0, all, 0, (int) train.size());
            valid.read(0, all, (int) train.size(), (int) valid.size());
            for (int i = 0; i < raw.length; i++) {
                assertEquals(raw[i] & 0xFF, all[i], "token " + i);
            }
        }
        assertEquals(2, card.splits().size());
        assertEquals(FileDigests.sha256(input), card.inputs().getFirst().sha256());
        assertEquals(FileDigests.sha256(out.resolve(TextConverter.TRAIN_FILE)), card.splits().getFirst().sha256());
        assertEquals(card, DatasetCard.readFrom(out));
    }

    @Test
    void directoriesContributeTheirTextFilesInNameOrder() throws IOException {
        Path dir = Files.createDirectory(temp.resolve("texts"));
        Files.writeString(dir.resolve("b.txt"), "BB");
        Files.writeString(dir.resolve("a.txt"), "A");
        Files.writeString(dir.resolve("notes.md"), "ignored");
        Path out = temp.resolve("out");
        TextConverter.convert(new TextPreparation(List.of(dir), out, null, 0, 2, Provenance.of("test")),
                ProgressListener.NONE);
        try (TokenDataset train = TokenDataset.open(out.resolve(TextConverter.TRAIN_FILE))) {
            int[] ids = new int[3];
            train.read(0, ids, 0, 3);
            assertArrayEquals(new int[]{'A', 'B', 'B'}, ids);
        }
        assertTrue(Files.notExists(out.resolve(TextConverter.VALIDATION_FILE)));
    }

    @Test
    void missingInputIsNamed() {
        Path missing = temp.resolve("no-such-dir");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextConverter.convert(
                TextPreparation.of(List.of(missing), temp.resolve("out"), null, Provenance.of("test")),
                ProgressListener.NONE));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void invalidUtf8ForBpeNamesFileAndOffset() throws IOException {
        Path bad = temp.resolve("bad.txt");
        byte[] content = "ok text \u00e9".getBytes(StandardCharsets.UTF_8);
        byte[] broken = new byte[content.length + 2];
        System.arraycopy(content, 0, broken, 0, content.length);
        broken[content.length] = (byte) 0xC3;
        broken[content.length + 1] = (byte) 0x28;
        Files.write(bad, broken);
        Path tokenizer = SharedData.dataset("tokenizers/gpt-neox-20b/tokenizer.json");
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> TextConverter.convert(
                TextPreparation.of(List.of(bad), temp.resolve("out"), tokenizer, Provenance.of("test")),
                ProgressListener.NONE));
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("byte offset " + content.length), e.getMessage());
    }
}
