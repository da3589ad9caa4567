package org.ssm4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.api.buffer.DataType;
import org.ssm4j.mamba.MambaWeights;
import org.ssm4j.mamba.generate.GenerationOptions;
import org.ssm4j.mamba.generate.GenerationResult;
import org.ssm4j.mamba.generate.Generator;
import org.ssm4j.mamba.generate.RecurrentMamba;
import org.ssm4j.mamba.generate.SamplingOptions;
import org.ssm4j.mamba.generate.TokenListener;
import org.ssm4j.mamba.hf.HuggingFaceCheckpoint;
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

/** {@code ./mamba generate}: text from a prompt with a Mamba language model, streamed as it is generated. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Generates text with a Mamba language model (recurrent inference: a prefill over the prompt, "
                + "then one constant-cost step per token), streaming it as it comes.",
                "Greedy unless --temperature is given. Stops at the model's end-of-sequence token or after "
                        + "--max-new-tokens."})
public final class GenerateCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "A Hugging Face model directory: config.json, model.safetensors (or shards) and, for text, "
                    + "tokenizer.json (byte-level models with a vocabulary of 256 need none).")
    Path model;

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

    @Option(names = "--json", description = "Print one JSON object: ids (prompt included), text, tokens_per_second and more.")
    boolean json;

    @Override
    public void run() {
        if (!Files.isDirectory(model) || !HuggingFaceCheckpoint.isCheckpointDirectory(model)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--model " + model
                    + " is not a Hugging Face model directory (a directory with config.json and model.safetensors)");
        }
        MambaWeights weights = HuggingFaceCheckpoint.read(model, DataType.FLOAT);
        int vocabulary = weights.config().vocabSize();
        TextTokenizer tokenizer = loadTokenizer(vocabulary);
        try (RecurrentMamba recurrent = RecurrentMamba.create(weights, checkedThreads())) {
            int[] promptIds = prompt.ids != null ? prompt.ids : tokenizer.encode(prompt.text);
            GenerationOptions options = GenerationOptions.greedy(checkedMaxNewTokens()).withSampling(sampling());
            Integer eos = weights.config().eosTokenId();
            if (eos != null && !ignoreEos) {
                options = options.withStopTokens(eos);
            }
            PrintWriter out = spec.commandLine().getOut();
            TextStream stream = json ? null : new TextStream(out, tokenizer, promptIds);
            GenerationResult result = new Generator(recurrent).generate(promptIds, options,
                    stream == null ? TokenListener.NONE : stream);
            int[] ids = result.sequences().get(0);
            if (json) {
                out.println(toJson(result, ids, tokenizer));
            } else {
                stream.finish();
                spec.commandLine().getErr().printf("%d tokens in %.2f s: %.1f tokens/s (prefill %d tokens at %.1f tokens/s; %s)%n",
                        result.generatedTokens(), (result.prefillNanos() + result.decodeNanos()) / 1e9,
                        result.tokensPerSecond(), promptIds.length, result.prefillTokensPerSecond(),
                        result.finishReasons().get(0) == GenerationResult.FinishReason.STOP_TOKEN
                                ? "stopped at the end-of-sequence token" : "reached --max-new-tokens");
            }
            out.flush();
        } finally {
            if (tokenizer != null) {
                tokenizer.close();
            }
        }
    }

    /** The model directory's tokenizer, or null when there is none and the prompt is given as ids. */
    private TextTokenizer loadTokenizer(int vocabulary) {
        try {
            return TextTokenizer.forModel(model, vocabulary);
        } catch (IllegalArgumentException noTokenizer) {
            if (prompt.ids != null) {
                return null;
            }
            throw new CommandLine.ParameterException(spec.commandLine(), noTokenizer.getMessage());
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

    private String toJson(GenerationResult result, int[] ids, TextTokenizer tokenizer) {
        ObjectNode o = new ObjectMapper().createObjectNode();
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
        return o.toString();
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
