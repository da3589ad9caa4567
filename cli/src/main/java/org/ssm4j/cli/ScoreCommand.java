package org.ssm4j.cli;

import org.ssm4j.mamba.MambaLM;
import org.ssm4j.mamba.Score;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ./mamba score}: mean next-token cross-entropy and perplexity of a token sequence. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = {"Mean next-token cross-entropy (nats) and perplexity of a token sequence under a model.",
                "--text reads a file's UTF-8 bytes as the tokens, which only a byte-level model (vocabulary 256) "
                        + "understands; other models take --ids."})
final class ScoreCommand implements Callable<Integer> {

    /** Exactly one source of tokens. */
    static final class Tokens {
        @Option(names = "--ids", split = ",", paramLabel = "ID", description = "Token ids, comma-separated (at least 2).")
        long[] ids;

        @Option(names = "--text", paramLabel = "FILE", description = "A text file, tokenised as UTF-8 bytes (byte-level models only).")
        Path text;
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "Hugging Face checkpoint directory or ssm4j model file.")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Tokens tokens;

    @Option(names = "--json", description = "Print one JSON object: {\"loss\":..., \"perplexity\":..., \"tokens\":...}.")
    boolean json;

    @Override
    public Integer call() {
        return CommandOutput.run(spec, json, () -> {
            MambaLM lm = MambaLM.load(model);
            Score score = lm.score(tokens.ids != null ? tokens.ids : bytes(tokens.text, lm.config().vocabSize()));
            return CommandOutput.JSON.createObjectNode().put("loss", score.loss()).put("perplexity", score.perplexity())
                    .put("tokens", score.tokens());
        }, r -> spec.commandLine().getOut().printf("loss %.6f nats/token, perplexity %.4f over %d predicted tokens%n",
                r.get("loss").asDouble(), r.get("perplexity").asDouble(), r.get("tokens").asLong()));
    }

    private static long[] bytes(Path text, int vocabSize) {
        if (vocabSize != 256) {
            throw new IllegalArgumentException("--text tokenises a file as UTF-8 bytes, which needs a byte-level model "
                    + "(vocabulary 256); this model's vocabulary is " + vocabSize + ", so pass its token ids with --ids");
        }
        byte[] data;
        try {
            data = Files.readAllBytes(text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + text, e);
        }
        long[] ids = new long[data.length];
        for (int i = 0; i < data.length; i++) {
            ids[i] = data[i] & 0xff;
        }
        return ids;
    }
}
