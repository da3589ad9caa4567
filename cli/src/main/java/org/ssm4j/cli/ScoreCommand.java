package org.ssm4j.cli;

import org.ssm4j.mamba.MambaLM;
import org.ssm4j.mamba.Score;
import org.ssm4j.mamba.tokenizer.ByteTokenizer;
import org.ssm4j.mamba.tokenizer.HfTokenizer;
import org.ssm4j.mamba.tokenizer.TextTokenizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

/** {@code ./mamba score}: mean next-token cross-entropy and perplexity of a token sequence. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = {"Mean next-token cross-entropy (nats) and perplexity of a token sequence under a model.",
                "--text is tokenised with --tokenizer, else the model directory's tokenizer.json, else as UTF-8 "
                        + "bytes when the vocabulary is byte-level (256)."})
final class ScoreCommand implements Callable<Integer> {

    /** Exactly one source of tokens. */
    static final class Tokens {
        @Option(names = "--ids", split = ",", paramLabel = "ID", description = "Token ids, comma-separated (at least 2).")
        long[] ids;

        @Option(names = "--text", paramLabel = "FILE", description = "A UTF-8 text file, tokenised with the model's tokenizer.")
        Path text;
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "Hugging Face checkpoint directory or ssm4j model file.")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Tokens tokens;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "A Hugging Face tokenizer.json for --text (default: the one in the model directory).")
    Path tokenizer;

    @Option(names = "--json", description = "Print one JSON object: {\"loss\":..., \"perplexity\":..., \"tokens\":...}.")
    boolean json;

    @Override
    public Integer call() {
        return CommandOutput.run(spec, json, () -> {
            MambaLM lm = MambaLM.load(model);
            Score score = lm.score(tokens.ids != null ? tokens.ids : encode(tokens.text, lm.config().vocabSize()));
            return CommandOutput.JSON.createObjectNode().put("loss", score.loss()).put("perplexity", score.perplexity())
                    .put("tokens", score.tokens());
        }, r -> spec.commandLine().getOut().printf("loss %.6f nats/token, perplexity %.4f over %d predicted tokens%n",
                r.get("loss").asDouble(), r.get("perplexity").asDouble(), r.get("tokens").asLong()));
    }

    /** The token ids of a text file, from the tokenizer chosen as the command's description says. */
    private long[] encode(Path text, int vocabSize) {
        String content;
        try {
            content = Files.readString(text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + text + " as UTF-8 text", e);
        }
        try (TextTokenizer t = tokenizer != null ? HfTokenizer.load(tokenizer)
                : Files.isDirectory(model) ? TextTokenizer.forModel(model, vocabSize)
                : byteLevel(vocabSize)) {
            return Arrays.stream(t.encode(content)).asLongStream().toArray();
        }
    }

    private TextTokenizer byteLevel(int vocabSize) {
        if (vocabSize != ByteTokenizer.VOCAB_SIZE) {
            throw new IllegalArgumentException("model file " + model + " carries no tokenizer and its vocabulary of "
                    + vocabSize + " tokens is not byte-level (256); pass --tokenizer tokenizer.json or --ids");
        }
        return ByteTokenizer.INSTANCE;
    }
}
