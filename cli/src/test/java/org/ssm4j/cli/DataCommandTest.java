package org.ssm4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ssm4j.cli.CliRun.run;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ssm4j.datasets.DatasetCard;
import org.ssm4j.datasets.image.ImageDataset;
import org.ssm4j.testing.SharedData;

class DataCommandTest {

    @TempDir
    Path temp;

    @Test
    void everyPrepareCommandExplainsItself() {
        for (String kind : new String[]{"text", "bpe", "idx", "wav"}) {
            CliRun help = run("data", "prepare", kind, "--help");
            assertEquals(0, help.exitCode(), kind);
            assertTrue(help.out().startsWith("Usage: mamba data prepare " + kind), help.out());
            assertTrue(help.out().contains("--output"), help.out());
        }
        assertTrue(run("data", "prepare", "bpe", "--help").out().contains("--tokenizer"));
        assertTrue(run("data", "prepare", "wav", "--help").out().contains("--resample"));
        assertTrue(run("data", "prepare", "text", "--help").out().contains("--split"));
        assertTrue(run("data", "--help").out().contains("prepare"));
    }

    @Test
    void preparesMnistIntoADirectory() {
        Path out = temp.resolve("mnist");
        CliRun run = run("data", "prepare", "idx", "--input", SharedData.dataset("mnist").toString(),
                "--output", out.toString(), "--license", "CC BY-SA 3.0");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("train: train.arrow, 60000 rows"), run.out());
        DatasetCard card = DatasetCard.readFrom(out);
        assertEquals("mamba data prepare idx --input " + SharedData.dataset("mnist") + " --output " + out
                + " --license 'CC BY-SA 3.0'", card.command());
        try (ImageDataset test = ImageDataset.open(out.resolve("test.arrow"))) {
            assertEquals(10_000, test.size());
            assertEquals(7, test.label(0), "the first MNIST test digit is a 7");
        }
    }

    @Test
    void badInputIsOneLineWithExitCodeOne() {
        Path missing = temp.resolve("missing");
        CliRun run = run("data", "prepare", "wav", "--input", missing.toString(), "--output", temp.resolve("o").toString());
        assertEquals(1, run.exitCode());
        assertEquals("error: WAV input directory does not exist: " + missing + System.lineSeparator(), run.err());
        assertEquals(2, run("data", "prepare", "idx", "--output", "x").exitCode(), "missing --input is a usage error");
    }
}
