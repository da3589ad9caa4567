package org.ssm4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.ssm4j.mamba.MambaConfig;
import org.ssm4j.mamba.MambaLM;
import org.ssm4j.mamba.tokenizer.ByteTokenizer;
import org.ssm4j.mamba.tokenizer.HfTokenizer;
import org.ssm4j.safetensors.SafetensorsFile;
import org.ssm4j.testing.SharedData;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ssm4j.cli.CliRun.run;

class GenerateCommandTest {

    /** The mamba-tiny fixture: a byte-level model (vocabulary 256) without a tokenizer.json. */
    private static final Path TINY = SharedData.mambaTiny();

    private static long[] reference(String name) {
        try (SafetensorsFile f = SafetensorsFile.open(TINY.resolve("reference.safetensors"))) {
            return f.readLongs(name);
        }
    }

    private static int[] ints(JsonNode array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = array.get(i).asInt();
        }
        return ids;
    }

    @Test
    void jsonOutputIsOneObjectWithTheReferenceGreedyIds() throws Exception {
        long[] prompt = reference("generate.prompt");
        int[] expected = Arrays.stream(reference("generate.ids")).mapToInt(Math::toIntExact).toArray();
        String ids = Arrays.stream(prompt).mapToObj(Long::toString).collect(Collectors.joining(","));
        CliRun r = run("generate", "--model", TINY.toString(), "--prompt-ids", ids,
                "--max-new-tokens", String.valueOf(expected.length - prompt.length), "--greedy", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode json = r.json();
        assertEquals(r.out().strip(), json.toString(), "stdout holds exactly one JSON object");
        assertArrayEquals(expected, ints(json.get("ids")));
        assertEquals(ByteTokenizer.INSTANCE.decode(expected), json.get("text").asText());
        assertTrue(json.get("tokens_per_second").asDouble() > 0);
        assertEquals(expected.length - prompt.length, json.get("new_tokens").asInt());
        assertEquals("max_new_tokens", json.get("finish_reason").asText());
    }

    @Test
    void anSsm4jModelFileGeneratesTheSameIds(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tiny.zip");
        MambaLM.load(TINY).save(file);
        long[] prompt = reference("generate.prompt");
        int[] expected = Arrays.stream(reference("generate.ids")).mapToInt(Math::toIntExact).toArray();
        String ids = Arrays.stream(prompt).mapToObj(Long::toString).collect(Collectors.joining(","));
        CliRun r = run("generate", "--model", file.toString(), "--prompt-ids", ids,
                "--max-new-tokens", String.valueOf(expected.length - prompt.length), "--json");
        assertEquals(0, r.exitCode(), r.err());
        assertArrayEquals(expected, ints(r.json().get("ids")));
    }

    @Test
    void samplingWithASeedIsReproducibleAndTextPromptsAreTokenized() throws Exception {
        String[] args = {"generate", "--model", TINY.toString(), "--prompt", "Hello", "--max-new-tokens", "12",
                "--temperature", "1.5", "--top-k", "50", "--top-p", "0.95", "--seed", "11", "--ignore-eos", "--json"};
        CliRun first = run(args);
        CliRun second = run(args);
        assertEquals(0, first.exitCode(), first.err());
        int[] a = ints(first.json().get("ids"));
        int[] b = ints(second.json().get("ids"));
        assertArrayEquals(a, b);
        assertArrayEquals(ByteTokenizer.INSTANCE.encode("Hello"), Arrays.copyOf(a, 5));
        assertEquals(5 + 12, a.length);
    }

    @Test
    void aCheckpointWithTheGptNeoxTokenizerTakesAndGivesText(@TempDir Path dir) throws Exception {
        // A small random model with the Mamba checkpoints' vocabulary and tokenizer.
        MambaConfig config = MambaConfig.builder().vocabSize(50280).hiddenSize(16).numHiddenLayers(1).build();
        MambaLM.initialize(config, DataType.FLOAT, 5).exportHuggingFace(dir);
        Path tokenizerJson = SharedData.dataset("tokenizers/gpt-neox-20b/tokenizer.json");
        Files.copy(tokenizerJson, dir.resolve("tokenizer.json"));
        String prompt = "The quick brown fox";
        CliRun r = run("generate", "--model", dir.toString(), "--prompt", prompt, "--max-new-tokens", "6",
                "--ignore-eos", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode json = r.json();
        int[] ids = ints(json.get("ids"));
        try (HfTokenizer tokenizer = HfTokenizer.load(tokenizerJson)) {
            int[] promptIds = tokenizer.encode(prompt);
            assertArrayEquals(promptIds, Arrays.copyOf(ids, promptIds.length));
            assertEquals(promptIds.length + 6, ids.length);
            assertEquals(tokenizer.decode(ids), json.get("text").asText());
            assertTrue(json.get("text").asText().startsWith(prompt));
        }
        CliRun streamed = run("generate", "--model", dir.toString(), "--prompt", prompt, "--max-new-tokens", "6",
                "--ignore-eos");
        assertEquals(json.get("text").asText() + System.lineSeparator(), streamed.out());
    }

    @Test
    void withoutJsonTheTextIsStreamed() throws Exception {
        long[] prompt = reference("generate.prompt");
        int[] expected = Arrays.stream(reference("generate.ids")).mapToInt(Math::toIntExact).toArray();
        String ids = Arrays.stream(prompt).mapToObj(Long::toString).collect(Collectors.joining(","));
        CliRun r = run("generate", "--model", TINY.toString(), "--prompt-ids", ids,
                "--max-new-tokens", String.valueOf(expected.length - prompt.length));
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(ByteTokenizer.INSTANCE.decode(expected) + System.lineSeparator(), r.out());
        assertTrue(r.err().contains("tokens/s"), r.err());
    }

    @Test
    void badArgumentsAreUsageErrors(@TempDir Path empty) {
        CliRun notAModel = run("generate", "--model", empty.resolve("absent").toString(), "--prompt-ids", "1",
                "--max-new-tokens", "2");
        assertEquals(1, notAModel.exitCode());
        assertTrue(notAModel.err().contains("is neither a Hugging Face checkpoint directory"), notAModel.err());
        CliRun noConfig = run("generate", "--model", empty.toString(), "--prompt-ids", "1", "--max-new-tokens", "2", "--json");
        assertEquals(1, noConfig.exitCode());
        assertTrue(noConfig.out().startsWith("{\"error\":") && noConfig.out().contains("config.json"), noConfig.out());
        assertEquals(2, run("generate", "--model", TINY.toString(), "--prompt", "a", "--prompt-ids", "1",
                "--max-new-tokens", "2").exitCode());
        assertEquals(2, run("generate", "--model", TINY.toString(), "--prompt", "a", "--max-new-tokens", "2",
                "--greedy", "--temperature", "1").exitCode());
        CliRun zero = run("generate", "--model", TINY.toString(), "--prompt", "a", "--max-new-tokens", "0");
        assertEquals(2, zero.exitCode());
        assertTrue(zero.err().contains("--max-new-tokens must be at least 1, got 0"), zero.err());
        CliRun badTopP = run("generate", "--model", TINY.toString(), "--prompt", "a", "--max-new-tokens", "2",
                "--temperature", "1", "--top-p", "2");
        assertEquals(2, badTopP.exitCode());
        assertTrue(badTopP.err().contains("topP must be in (0, 1]"), badTopP.err());
        CliRun badId = run("generate", "--model", TINY.toString(), "--prompt-ids", "1,300", "--max-new-tokens", "2");
        assertEquals(1, badId.exitCode());
        assertTrue(badId.err().contains("token id 300"), badId.err());
    }

    @Test
    void helpIsAvailable() {
        CliRun generate = run("generate", "--help");
        assertEquals(0, generate.exitCode());
        assertTrue(generate.out().contains("--max-new-tokens"));
        CliRun bench = run("bench", "generate", "--help");
        assertEquals(0, bench.exitCode());
        assertTrue(bench.out().contains("--layers"));
    }
}
