package org.ssm4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ssm4j.testing.SharedData;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ssm4j.cli.CliRun.run;

/** score, export and info on the tiny fixture model, through the real command line. */
class ModelCommandsTest {

    private static final String TINY = SharedData.mambaTiny().toString();

    @Test
    void scoresIdsAndByteText(@TempDir Path dir) throws Exception {
        JsonNode ids = run("score", "--model", TINY, "--ids", "1,2,3,4,5", "--json").json();
        assertEquals(4, ids.get("tokens").asInt());
        assertEquals(Math.exp(ids.get("loss").asDouble()), ids.get("perplexity").asDouble(), 1e-9);
        Path text = Files.writeString(dir.resolve("t.txt"), "\u0001\u0002\u0003\u0004\u0005");
        JsonNode bytes = run("score", "--model", TINY, "--text", text.toString(), "--json").json();
        assertEquals(ids.get("loss").asDouble(), bytes.get("loss").asDouble(), 0.0, "the same tokens as bytes");

        Path hello = Files.writeString(dir.resolve("hello.txt"), "Hello world");
        String neox = SharedData.dataset("tokenizers/gpt-neox-20b/tokenizer.json").toString();
        CliRun withNeox = run("score", "--model", TINY, "--text", hello.toString(), "--tokenizer", neox, "--json");
        assertEquals(1, withNeox.exitCode());
        assertTrue(withNeox.json().get("error").asText().contains("input id 12092 is outside the vocabulary [0, 256)"),
                "--tokenizer is used: GPT-NeoX ids do not fit the byte-level model: " + withNeox.out());
    }

    @Test
    void exportsBothFormatsAndDescribesThem(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tiny.zip");
        Path hf = dir.resolve("hf");
        assertEquals("samediff", run("export", "--model", TINY, "--to", file.toString(), "--format", "samediff",
                "--json").json().get("format").asText());
        assertEquals("BF16", run("export", "--model", file.toString(), "--to", hf.toString(), "--format",
                "huggingface", "--dtype", "bf16", "--json").json().get("dtype").asText());
        JsonNode fileInfo = run("info", "--model", file.toString(), "--json").json();
        JsonNode hfInfo = run("info", "--model", hf.toString(), "--json").json();
        assertEquals(81856, fileInfo.get("parameters").asLong());
        assertEquals("FLOAT", fileInfo.get("dtype").asText());
        assertEquals("BF16", hfInfo.get("dtype").asText());
        assertEquals(2, hfInfo.get("layers").asInt());
        CliRun text = run("info", "--model", file.toString());
        assertTrue(text.out().contains("parameters  81,856"), text.out());
    }

    @Test
    void reportsBadInputAsOneJsonErrorOrAMessage() throws Exception {
        CliRun json = run("score", "--model", TINY, "--ids", "1,256", "--json");
        assertEquals(1, json.exitCode());
        assertTrue(json.json().get("error").asText().contains("input id 256 is outside the vocabulary [0, 256)"));
        CliRun text = run("info", "--model", "/nonexistent/model");
        assertEquals(1, text.exitCode());
        assertTrue(text.err().startsWith("error: model path /nonexistent/model is neither"), text.err());
    }
}
