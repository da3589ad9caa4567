package org.ssm4j.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.api.buffer.DataType;
import org.ssm4j.mamba.MambaLM;
import org.ssm4j.mamba.MambaWeights;
import org.ssm4j.mamba.generate.GenerationOptions;
import org.ssm4j.mamba.generate.GenerationResult;
import org.ssm4j.mamba.generate.Generator;
import org.ssm4j.mamba.generate.RecurrentMamba;
import org.ssm4j.mamba.generate.SamplingOptions;
import org.ssm4j.mamba.generate.StepPrecision;
import org.ssm4j.mamba.generate.TokenListener;
import org.ssm4j.mamba.hf.HuggingFaceCheckpoint;
import org.ssm4j.mamba.tokenizer.HfTokenizer;
import org.ssm4j.mamba.tokenizer.StreamingDecoder;
import org.ssm4j.mamba.tokenizer.TextTokenizer;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

/** {@code ./mamba generate}: text from a prompt with a Mamba language model, streamed as it is generated. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Generates text with a Mamba language model (recurrent inference: a prefill over the prompt, "
                + "then one constant-cost step per token), streaming it as it comes.",
                "Greedy unless --temperature is given. Stops at the model's end-of-sequence token or after "
                        + "--max-new-tokens."})
public final class GenerateCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "A Hugging Face model directory (config.json, model.safetensors or shards, and for text "
                    + "tokenizer.json) or an ssm4j model file.")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "A tokenizer.json (default: the model directory's, or the one beside a model file; "
                    + "byte-level models with a vocabulary of 256 need none).")
    Path tokenizerFile;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Prompt prompt;

    static final class Prompt {
        @Option(names = "--prompt", paramLabel = "TEXT", description = "The prompt as text (needs the model's tokenizer).")
        String text;

        @Option(names = "--prompt-ids", paramLabel = "ID", split = ",", description = "The prompt as token ids: 1,2,3.")
        int[] ids;
    }

    @Option(names = "--max-new-tokens", required = true, paramLabel = "N", description = "Most tokens to generate.")
    int maxNewTokens;

    @ArgGroup(exclusive = true)
    Decoding decoding = new Decoding();

    static final class Decoding {
        @Option(names = "--greedy", description = "Always take the most likely token (the default).")
        boolean greedy;

        @ArgGroup(exclusive = false)
        Sampling sampling;
    }

    static final class Sampling {
        @Option(names = "--temperature", required = true, paramLabel = "T",
                description = "Sample at this temperature (> 0).")
        float temperature;

        @Option(names = "--top-k", paramLabel = "K", description = "Keep the K most likely tokens (0: all; default ${DEFAULT-VALUE}).")
        int topK = 0;

        @Option(names = "--top-p", paramLabel = "P", description = "Keep the most likely tokens that reach probability P (1: all; default ${DEFAULT-VALUE}).")
        float topP = 1f;

        @Option(names = "--seed", paramLabel = "S", description = "Random seed; the same seed gives the same text (default ${DEFAULT-VALUE}).")
        long seed = SamplingOptions.DEFAULT_SEED;
    }

    @Option(names = "--ignore-eos", description = "Do not stop at the end-of-sequence token.")
    boolean ignoreEos;

    @Option(names = "--threads", paramLabel = "N", description = "Threads of the token step (default: all processors, ${DEFAULT-VALUE}).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--bf16", description = "Read the step's weights as bfloat16 copies: faster, about three "
            + "significant digits in the weights.")
    boolean bf16;

    @Option(names = "--json", description = "Print one JSON object: ids (prompt included), text, tokens_per_second and "
            + "more; {\"error\": ...} on failure.")
    boolean json;

    @Override
    public Integer call() {
        SamplingOptions sampling = sampling();
        int limit = checkedMaxNewTokens();
        int stepThreads = checkedThreads();
        return CommandOutput.run(spec, json, () -> {
            MambaWeights weights = loadWeights();
            try (TextTokenizer tokenizer = loadTokenizer(weights.config().vocabSize());
                 RecurrentMamba recurrent = RecurrentMamba.create(weights, RecurrentMamba.Options.defaults()
                         .withThreads(stepThreads).withStepPrecision(bf16 ? StepPrecision.BFLOAT16 : StepPrecision.FLOAT32))) {
                int[] promptIds = prompt.ids != null ? prompt.ids : tokenizer.encode(prompt.text);
                GenerationOptions options = GenerationOptions.greedy(limit).withSampling(sampling);
                Integer eos = weights.config().eosTokenId();
                if (eos != null && !ignoreEos) {
                    options = options.withStopTokens(eos);
                }
                TextStream stream = json ? null : new TextStream(spec.commandLine().getOut(), tokenizer, promptIds);
                GenerationResult result = new Generator(recurrent).generate(promptIds, options,
                        stream == null ? TokenListener.NONE : stream);
                if (stream != null) {
                    stream.finish();
                }
                return toJson(result, tokenizer);
            }
        }, r -> spec.commandLine().getErr().printf(
                "%d tokens in %.2f s: %.1f tokens/s (prefill of %d tokens at %.1f tokens/s); %s%n",
                r.get("new_tokens").asLong(), r.get("seconds").asDouble(), r.get("tokens_per_second").asDouble(),
                r.get("prompt_tokens").asLong(), r.get("prefill_tokens_per_second").asDouble(),
                r.get("finish_reason").asText().equals("eos") ? "stopped at the end-of-sequence token"
                        : "reached --max-new-tokens"));
    }

    /** A Hugging Face checkpoint directory, read as float32 (no graph is built), or an ssm4j model file. */
    private MambaWeights loadWeights() {
        return Files.isDirectory(model) ? HuggingFaceCheckpoint.read(model, DataType.FLOAT) : MambaLM.load(model).weights();
    }

    /**
     * The tokenizer: --tokenizer, else the tokenizer.json of the model directory (or beside the
     * model file), else the byte-level one for a vocabulary of 256. Null when there is none and
     * the prompt is given as ids (the output is then ids only).
     */
    private TextTokenizer loadTokenizer(int vocabulary) {
        if (tokenizerFile != null) {
            return HfTokenizer.load(tokenizerFile);
        }
        Path dir = Files.isDirectory(model) ? model : model.toAbsolutePath().getParent();
        try {
            return TextTokenizer.forModel(dir, vocabulary);
        } catch (IllegalArgumentException noTokenizer) {
            if (prompt.ids != null) {
                return null;
            }
            throw new IllegalArgumentException(noTokenizer.getMessage() + " (or name one with --tokenizer)");
        }
    }

    /**
     * Prints the prompt, then each generated token as it arrives: text through a
     * {@link StreamingDecoder} (the prompt goes through it too, so a character split between
     * the prompt and the first new token prints whole), or ids when there is no tokenizer.
     */
    private static final class TextStream implements TokenListener {
        private final PrintWriter out;
        private final StreamingDecoder decoder;

        TextStream(PrintWriter out, TextTokenizer tokenizer, int[] promptIds) {
            this.out = out;
            this.decoder = tokenizer == null ? null : new StreamingDecoder(tokenizer);
            if (decoder == null) {
                out.print(Arrays.toString(promptIds));
            } else {
                for (int id : promptIds) {
                    out.print(decoder.push(id));
                }
            }
            out.flush();
        }

        @Override
        public void onToken(int sequence, int token) {
            out.print(decoder == null ? " " + token : decoder.push(token));
            out.flush();
        }

        /** Prints what the decoder still holds and ends the line. */
        void finish() {
            if (decoder != null) {
                out.print(decoder.flush());
            }
            out.println();
            out.flush();
        }
    }

    private static ObjectNode toJson(GenerationResult result, TextTokenizer tokenizer) {
        int[] ids = result.sequences().get(0);
        ObjectNode o = CommandOutput.JSON.createObjectNode();
        ArrayNode idArray = o.putArray("ids");
        for (int id : ids) {
            idArray.add(id);
        }
        if (tokenizer == null) {
            o.putNull("text");
        } else {
            o.put("text", tokenizer.decode(ids));
        }
        o.put("tokens_per_second", result.tokensPerSecond());
        o.put("prompt_tokens", result.promptTokens());
        o.put("new_tokens", result.generatedTokens());
        o.put("finish_reason", result.finishReasons().get(0) == GenerationResult.FinishReason.STOP_TOKEN
                ? "eos" : "max_new_tokens");
        o.put("prefill_tokens_per_second", result.prefillTokensPerSecond());
        o.put("seconds", (result.prefillNanos() + result.decodeNanos()) / 1e9);
        return o;
    }

    private SamplingOptions sampling() {
        Sampling s = decoding.sampling;
        if (s == null) {
            return SamplingOptions.greedy();
        }
        try {
            return SamplingOptions.temperature(s.temperature).withTopK(s.topK).withTopP(s.topP).withSeed(s.seed);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private int checkedMaxNewTokens() {
        if (maxNewTokens < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-new-tokens must be at least 1, got " + maxNewTokens);
        }
        return maxNewTokens;
    }

    private int checkedThreads() {
        if (threads < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--threads must be at least 1, got " + threads);
        }
        return threads;
    }
}
