package org.ssm4j.mamba;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jspecify.annotations.Nullable;
import org.ssm4j.io.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The hyper-parameters of a Mamba (Mamba-1) causal language model, as Hugging Face's
 * {@code MambaConfig} names them in {@code config.json}.
 *
 * <p>{@link #fromJson} reads a Hugging Face {@code config.json}: every field that changes the
 * model's arithmetic is read and checked, fields known not to change it (bookkeeping such as
 * {@code transformers_version}, generation defaults) are ignored, and any other field is an
 * error, so that a config this class does not understand is never silently run with the
 * wrong math. {@link #toJson} writes a {@code config.json} that Hugging Face transformers
 * loads as a {@code MambaForCausalLM}.
 *
 * <p>Build one in code with {@link #builder()}: its defaults are the Mamba reference's
 * ({@code mamba_ssm}: no linear biases, conv bias, tied embeddings, initializer range 0.02,
 * out_proj rescaled by depth); fields absent from a {@code config.json} take Hugging Face's
 * defaults instead, exactly as transformers would.
 *
 * @param vocabSize              tokens in the vocabulary ({@code vocab_size})
 * @param padVocabSizeMultiple   the embedding matrix has {@code vocabSize} rounded up to a
 *                               multiple of this many rows ({@code pad_vocab_size_multiple};
 *                               1 when absent, as Hugging Face ignores it)
 * @param hiddenSize             model width d_model ({@code hidden_size})
 * @param stateSize              SSM state size N per channel ({@code state_size})
 * @param numHiddenLayers        Mamba blocks ({@code num_hidden_layers})
 * @param expand                 expansion factor; {@code intermediateSize = (int) (expand * hiddenSize)}
 * @param intermediateSize       inner width d_inner ({@code intermediate_size})
 * @param convKernel             causal depthwise convolution width ({@code conv_kernel})
 * @param timeStepRank           rank of the delta projection ({@code time_step_rank};
 *                               {@code "auto"} is {@code ceil(hiddenSize / 16)})
 * @param useBias                in_proj and out_proj have biases ({@code use_bias})
 * @param useConvBias            the convolution has a bias ({@code use_conv_bias})
 * @param layerNormEpsilon       RMSNorm epsilon ({@code layer_norm_epsilon})
 * @param residualInFp32         keep the residual stream in float32 ({@code residual_in_fp32});
 *                               only matters when the model runs in a precision below float32,
 *                               which ssm4j's graph does not, so it is carried through unchanged
 * @param tieWordEmbeddings      the LM head reuses the embedding matrix ({@code tie_word_embeddings})
 * @param hiddenAct              the activation of the convolution and the gate; only SiLU
 *                               ({@code "silu"}, or its alias {@code "swish"}) is supported
 * @param initializerRange       standard deviation of the normal initialisation of the
 *                               embeddings, in_proj, x_proj and an untied LM head
 * @param timeStepMin            smallest initial delta ({@code time_step_min})
 * @param timeStepMax            largest initial delta ({@code time_step_max})
 * @param timeStepFloor          initial deltas are clamped to at least this ({@code time_step_floor})
 * @param timeStepScale          scales dt_proj's initial weight range ({@code time_step_scale})
 * @param timeStepInitScheme     dt_proj weight initialisation: {@code "random"} (uniform) or
 *                               {@code "constant"}
 * @param rescalePrenormResidual divide out_proj's initial weight by sqrt(numHiddenLayers)
 * @param bosTokenId             beginning-of-sequence token, or null
 * @param eosTokenId             end-of-sequence token, or null
 * @param padTokenId             padding token, or null
 */
public record MambaConfig(
        int vocabSize,
        int padVocabSizeMultiple,
        int hiddenSize,
        int stateSize,
        int numHiddenLayers,
        double expand,
        int intermediateSize,
        int convKernel,
        int timeStepRank,
        boolean useBias,
        boolean useConvBias,
        double layerNormEpsilon,
        boolean residualInFp32,
        boolean tieWordEmbeddings,
        String hiddenAct,
        double initializerRange,
        double timeStepMin,
        double timeStepMax,
        double timeStepFloor,
        double timeStepScale,
        String timeStepInitScheme,
        boolean rescalePrenormResidual,
        @Nullable Integer bosTokenId,
        @Nullable Integer eosTokenId,
        @Nullable Integer padTokenId) {

    /** The {@code model_type} a Mamba-1 {@code config.json} carries. */
    public static final String MODEL_TYPE = "mamba";

    /** The architecture name written to {@code config.json}. */
    public static final String ARCHITECTURE = "MambaForCausalLM";

    /**
     * Fields of a Hugging Face {@code config.json} that do not change the model's arithmetic
     * (bookkeeping, output switches, code-path choices between equivalent implementations,
     * generation defaults, fused-kernel switches); {@link #fromJson} ignores them.
     */
    public static final Set<String> IGNORED_FIELDS = Set.of(
            "transformers_version", "architectures", "use_cache", "use_mambapy", "use_associative_scan",
            "dtype", "torch_dtype", "_name_or_path", "_commit_hash", "_attn_implementation_autoset",
            "return_dict", "output_hidden_states", "output_attentions", "torchscript", "use_return_dict",
            "chunk_size_feed_forward", "is_encoder_decoder", "is_decoder", "add_cross_attention",
            "tie_encoder_decoder", "finetuning_task", "id2label", "label2id", "num_labels",
            "tokenizer_class", "prefix", "sep_token_id", "decoder_start_token_id",
            "task_specific_params", "problem_type", "pruned_heads", "fused_add_norm",
            "max_length", "min_length", "do_sample", "early_stopping", "num_beams", "num_beam_groups",
            "diversity_penalty", "temperature", "top_k", "top_p", "typical_p", "repetition_penalty",
            "length_penalty", "no_repeat_ngram_size", "encoder_no_repeat_ngram_size", "bad_words_ids",
            "num_return_sequences", "output_scores", "return_dict_in_generate", "forced_bos_token_id",
            "forced_eos_token_id", "remove_invalid_values", "exponential_decay_length_penalty",
            "suppress_tokens", "begin_suppress_tokens");

    /**
     * Fields {@link #fromJson} reads. Besides Hugging Face's own, older hub configs carry the
     * {@code mamba_ssm} names {@code d_model} and {@code n_layer} (which must then agree with
     * {@code hidden_size} and {@code num_hidden_layers}), {@code rms_norm} (must be true) and
     * {@code ssm_cfg} (must be empty).
     */
    public static final Set<String> READ_FIELDS = Set.of(
            "model_type", "vocab_size", "pad_vocab_size_multiple", "hidden_size", "state_size",
            "num_hidden_layers", "expand", "intermediate_size", "conv_kernel", "time_step_rank", "use_bias",
            "use_conv_bias", "layer_norm_epsilon", "residual_in_fp32", "tie_word_embeddings", "hidden_act",
            "initializer_range", "time_step_min", "time_step_max", "time_step_floor", "time_step_scale",
            "time_step_init_scheme", "rescale_prenorm_residual", "bos_token_id", "eos_token_id",
            "pad_token_id", "d_model", "n_layer", "rms_norm", "ssm_cfg");

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Checks every field; see the parameter descriptions for the rules. */
    public MambaConfig {
        positive("vocab_size", vocabSize);
        positive("pad_vocab_size_multiple", padVocabSizeMultiple);
        positive("hidden_size", hiddenSize);
        positive("state_size", stateSize);
        positive("num_hidden_layers", numHiddenLayers);
        positive("intermediate_size", intermediateSize);
        positive("conv_kernel", convKernel);
        positive("time_step_rank", timeStepRank);
        if (!(expand > 0) || (int) (expand * hiddenSize) != intermediateSize) {
            throw new IllegalArgumentException("intermediate_size " + intermediateSize + " does not match expand "
                    + expand + " x hidden_size " + hiddenSize + " = " + (int) (expand * hiddenSize));
        }
        if (!(layerNormEpsilon > 0)) {
            throw new IllegalArgumentException("layer_norm_epsilon must be positive, got " + layerNormEpsilon);
        }
        Objects.requireNonNull(hiddenAct, "hiddenAct");
        if (!hiddenAct.equals("silu") && !hiddenAct.equals("swish")) {
            throw new IllegalArgumentException("hidden_act '" + hiddenAct
                    + "' is not supported; Mamba's convolution and gate use 'silu' (alias 'swish')");
        }
        if (!(initializerRange >= 0)) {
            throw new IllegalArgumentException("initializer_range must be non-negative, got " + initializerRange);
        }
        if (!(timeStepMin > 0) || !(timeStepMax >= timeStepMin)) {
            throw new IllegalArgumentException("time_step_min and time_step_max must satisfy 0 < min <= max, got min "
                    + timeStepMin + ", max " + timeStepMax);
        }
        if (!(timeStepFloor >= 0)) {
            throw new IllegalArgumentException("time_step_floor must be non-negative, got " + timeStepFloor);
        }
        if (!(timeStepScale > 0)) {
            throw new IllegalArgumentException("time_step_scale must be positive, got " + timeStepScale);
        }
        Objects.requireNonNull(timeStepInitScheme, "timeStepInitScheme");
        if (!timeStepInitScheme.equals("random") && !timeStepInitScheme.equals("constant")) {
            throw new IllegalArgumentException("time_step_init_scheme '" + timeStepInitScheme
                    + "' is not supported; expected 'random' or 'constant'");
        }
        tokenId("bos_token_id", bosTokenId, vocabSize);
        tokenId("eos_token_id", eosTokenId, vocabSize);
        tokenId("pad_token_id", padTokenId, vocabSize);
    }

    private static void positive(String field, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(field + " must be at least 1, got " + value);
        }
    }

    private static void tokenId(String field, @Nullable Integer id, int vocabSize) {
        if (id != null && (id < 0 || id >= vocabSize)) {
            throw new IllegalArgumentException(field + " " + id + " is outside the vocabulary [0, " + vocabSize + ")");
        }
    }

    /** Rows of the embedding matrix (and of an untied LM head): {@code vocabSize} rounded up to {@code padVocabSizeMultiple}. */
    public int paddedVocabSize() {
        return Math.ceilDiv(vocabSize, padVocabSizeMultiple) * padVocabSizeMultiple;
    }

    /** Output width of x_proj: {@code timeStepRank + 2 * stateSize} (delta, B, C). */
    public int xProjSize() {
        return timeStepRank + 2 * stateSize;
    }

    /** {@code ceil(hiddenSize / 16)}, the time step rank Hugging Face's {@code "auto"} stands for. */
    public static int autoTimeStepRank(int hiddenSize) {
        return Math.ceilDiv(hiddenSize, 16);
    }

    /** A builder with the reference defaults (see the class comment); set at least the sizes. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this config's values, to derive a changed copy. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    // ---------------------------------------------------------------- reading config.json

    /**
     * Reads a Hugging Face {@code config.json}.
     *
     * @throws IllegalArgumentException if the file is not a Mamba config, a field has the wrong
     *                                  type or value, or a field that may change the model's
     *                                  arithmetic is not understood (the message names them)
     * @throws UncheckedIOException     if the file cannot be read
     */
    public static MambaConfig read(Path configJson) {
        JsonNode root;
        try {
            root = JSON.readTree(configJson.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Mamba config " + configJson, e);
        }
        try {
            return fromJson(root);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(configJson + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses the JSON text of a Hugging Face {@code config.json}.
     *
     * @throws IllegalArgumentException as {@link #fromJson(JsonNode)}
     */
    public static MambaConfig fromJson(String json) {
        try {
            return fromJson(JSON.readTree(json));
        } catch (IOException e) {
            throw new IllegalArgumentException("Mamba config is not valid JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Reads a parsed Hugging Face {@code config.json}; absent fields take Hugging Face's
     * {@code MambaConfig} defaults.
     *
     * @throws IllegalArgumentException if it is not a Mamba config, a field has the wrong
     *                                  type or value, or it holds fields neither read nor
     *                                  known to be harmless (all of them are named)
     */
    public static MambaConfig fromJson(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("Mamba config must be a JSON object, got " + root);
        }
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!READ_FIELDS.contains(field) && !IGNORED_FIELDS.contains(field)) {
                unknown.add(field);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("config fields " + unknown + " are not understood by ssm4j and may "
                    + "change the model's arithmetic; a Mamba-1 config holds only " + new TreeSet<>(READ_FIELDS)
                    + " and fields that do not change the math (" + new TreeSet<>(IGNORED_FIELDS) + ")");
        }
        String modelType = text(root, "model_type", null);
        if (!MODEL_TYPE.equals(modelType)) {
            throw new IllegalArgumentException("model_type is " + (modelType == null ? "absent" : "'" + modelType + "'")
                    + "; expected '" + MODEL_TYPE + "' (Mamba-1)");
        }
        if (root.has("rms_norm") && !bool(root, "rms_norm", true)) {
            throw new IllegalArgumentException("rms_norm is false (LayerNorm); only RMSNorm Mamba models are supported");
        }
        if (root.has("ssm_cfg") && !(root.get("ssm_cfg").isObject() && root.get("ssm_cfg").isEmpty())) {
            throw new IllegalArgumentException("ssm_cfg " + root.get("ssm_cfg") + " overrides the mixer; only an empty "
                    + "ssm_cfg is supported (put sizes in state_size, conv_kernel, expand, time_step_rank)");
        }
        int hidden = integer(root, "hidden_size", 768);
        int layers = integer(root, "num_hidden_layers", 32);
        agree(root, "d_model", hidden, "hidden_size");
        agree(root, "n_layer", layers, "num_hidden_layers");
        double expand = number(root, "expand", 2);
        int intermediate = root.has("intermediate_size") ? integer(root, "intermediate_size", 0) : (int) (expand * hidden);
        int rank;
        JsonNode rankNode = root.get("time_step_rank");
        if (rankNode == null || rankNode.isNull() || (rankNode.isTextual() && rankNode.asText().equals("auto"))) {
            rank = autoTimeStepRank(hidden);
        } else {
            rank = integer(root, "time_step_rank", 0);
        }
        return new MambaConfig(
                integer(root, "vocab_size", 50280),
                root.hasNonNull("pad_vocab_size_multiple") ? integer(root, "pad_vocab_size_multiple", 1) : 1,
                hidden,
                integer(root, "state_size", 16),
                layers,
                expand,
                intermediate,
                integer(root, "conv_kernel", 4),
                rank,
                bool(root, "use_bias", true),
                bool(root, "use_conv_bias", true),
                number(root, "layer_norm_epsilon", 1e-5),
                bool(root, "residual_in_fp32", true),
                bool(root, "tie_word_embeddings", true),
                Objects.requireNonNull(text(root, "hidden_act", "silu")),
                number(root, "initializer_range", 0.1),
                number(root, "time_step_min", 0.001),
                number(root, "time_step_max", 0.1),
                number(root, "time_step_floor", 1e-4),
                number(root, "time_step_scale", 1.0),
                Objects.requireNonNull(text(root, "time_step_init_scheme", "random")),
                bool(root, "rescale_prenorm_residual", false),
                optionalInteger(root, "bos_token_id", 0),
                optionalInteger(root, "eos_token_id", 0),
                optionalInteger(root, "pad_token_id", 0));
    }

    private static void agree(JsonNode root, String alias, int value, String field) {
        if (root.has(alias) && integer(root, alias, value) != value) {
            throw new IllegalArgumentException(alias + " " + root.get(alias) + " disagrees with " + field + " " + value);
        }
    }

    private static int integer(JsonNode root, String field, int absent) {
        JsonNode n = root.get(field);
        if (n == null) {
            return absent;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            if (n.isNumber() && n.asDouble() == Math.rint(n.asDouble()) && Math.abs(n.asDouble()) < Integer.MAX_VALUE) {
                return (int) n.asDouble();
            }
            throw new IllegalArgumentException(field + " must be an integer, got " + n);
        }
        return n.asInt();
    }

    private static @Nullable Integer optionalInteger(JsonNode root, String field, int absent) {
        JsonNode n = root.get(field);
        if (n != null && n.isNull()) {
            return null;
        }
        return integer(root, field, absent);
    }

    private static double number(JsonNode root, String field, double absent) {
        JsonNode n = root.get(field);
        if (n == null) {
            return absent;
        }
        if (!n.isNumber()) {
            throw new IllegalArgumentException(field + " must be a number, got " + n);
        }
        return n.asDouble();
    }

    private static boolean bool(JsonNode root, String field, boolean absent) {
        JsonNode n = root.get(field);
        if (n == null) {
            return absent;
        }
        if (!n.isBoolean()) {
            throw new IllegalArgumentException(field + " must be true or false, got " + n);
        }
        return n.asBoolean();
    }

    private static @Nullable String text(JsonNode root, String field, @Nullable String absent) {
        JsonNode n = root.get(field);
        if (n == null) {
            return absent;
        }
        if (!n.isTextual()) {
            throw new IllegalArgumentException(field + " must be a string, got " + n);
        }
        return n.asText().toLowerCase(Locale.ROOT);
    }

    // ---------------------------------------------------------------- writing config.json

    /**
     * This config as a Hugging Face {@code config.json} object: every field that changes the
     * math or the initialisation, plus {@code model_type}, {@code architectures} and the
     * {@code dtype} given.
     *
     * @param dtype the stored weights' type in PyTorch's spelling ({@code "float32"},
     *              {@code "bfloat16"}, {@code "float16"}), or null to leave it out
     */
    public ObjectNode toJson(@Nullable String dtype) {
        ObjectNode o = JSON.createObjectNode();
        o.putArray("architectures").add(ARCHITECTURE);
        o.put("model_type", MODEL_TYPE);
        o.put("vocab_size", vocabSize);
        if (padVocabSizeMultiple != 1) {
            o.put("pad_vocab_size_multiple", padVocabSizeMultiple);
        }
        o.put("hidden_size", hiddenSize);
        o.put("state_size", stateSize);
        o.put("num_hidden_layers", numHiddenLayers);
        if (expand == Math.rint(expand)) {
            o.put("expand", (long) expand);
        } else {
            o.put("expand", expand);
        }
        o.put("intermediate_size", intermediateSize);
        o.put("conv_kernel", convKernel);
        o.put("time_step_rank", timeStepRank);
        o.put("use_bias", useBias);
        o.put("use_conv_bias", useConvBias);
        o.put("layer_norm_epsilon", layerNormEpsilon);
        o.put("residual_in_fp32", residualInFp32);
        o.put("tie_word_embeddings", tieWordEmbeddings);
        o.put("hidden_act", hiddenAct);
        o.put("initializer_range", initializerRange);
        o.put("time_step_min", timeStepMin);
        o.put("time_step_max", timeStepMax);
        o.put("time_step_floor", timeStepFloor);
        o.put("time_step_scale", timeStepScale);
        o.put("time_step_init_scheme", timeStepInitScheme);
        o.put("rescale_prenorm_residual", rescalePrenormResidual);
        putId(o, "bos_token_id", bosTokenId);
        putId(o, "eos_token_id", eosTokenId);
        putId(o, "pad_token_id", padTokenId);
        if (dtype != null) {
            o.put("dtype", dtype);
        }
        return o;
    }

    private static void putId(ObjectNode o, String field, @Nullable Integer id) {
        if (id == null) {
            o.putNull(field);
        } else {
            o.put(field, id);
        }
    }

    /** {@link #toJson(String)} as indented JSON text. */
    public String toJsonString(@Nullable String dtype) {
        try {
            return JSON.writeValueAsString(toJson(dtype));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes {@link #toJson(String)} to a file atomically (temporary file beside it, then rename).
     *
     * @throws UncheckedIOException if it cannot be written
     */
    public void write(Path configJson, @Nullable String dtype) {
        AtomicFiles.writeString(configJson, toJsonString(dtype) + "\n");
    }

    /** Named, checked construction of a {@link MambaConfig}; every setter returns the builder. */
    public static final class Builder {
        private int vocabSize = 50280;
        private int padVocabSizeMultiple = 1;
        private int hiddenSize = 768;
        private int stateSize = 16;
        private int numHiddenLayers = 24;
        private double expand = 2;
        private @Nullable Integer intermediateSize;
        private int convKernel = 4;
        private @Nullable Integer timeStepRank;
        private boolean useBias = false;
        private boolean useConvBias = true;
        private double layerNormEpsilon = 1e-5;
        private boolean residualInFp32 = true;
        private boolean tieWordEmbeddings = true;
        private String hiddenAct = "silu";
        private double initializerRange = 0.02;
        private double timeStepMin = 0.001;
        private double timeStepMax = 0.1;
        private double timeStepFloor = 1e-4;
        private double timeStepScale = 1.0;
        private String timeStepInitScheme = "random";
        private boolean rescalePrenormResidual = true;
        private @Nullable Integer bosTokenId = 0;
        private @Nullable Integer eosTokenId = 0;
        private @Nullable Integer padTokenId = 0;

        private Builder() {
        }

        private Builder(MambaConfig c) {
            vocabSize = c.vocabSize;
            padVocabSizeMultiple = c.padVocabSizeMultiple;
            hiddenSize = c.hiddenSize;
            stateSize = c.stateSize;
            numHiddenLayers = c.numHiddenLayers;
            expand = c.expand;
            intermediateSize = c.intermediateSize;
            convKernel = c.convKernel;
            timeStepRank = c.timeStepRank;
            useBias = c.useBias;
            useConvBias = c.useConvBias;
            layerNormEpsilon = c.layerNormEpsilon;
            residualInFp32 = c.residualInFp32;
            tieWordEmbeddings = c.tieWordEmbeddings;
            hiddenAct = c.hiddenAct;
            initializerRange = c.initializerRange;
            timeStepMin = c.timeStepMin;
            timeStepMax = c.timeStepMax;
            timeStepFloor = c.timeStepFloor;
            timeStepScale = c.timeStepScale;
            timeStepInitScheme = c.timeStepInitScheme;
            rescalePrenormResidual = c.rescalePrenormResidual;
            bosTokenId = c.bosTokenId;
            eosTokenId = c.eosTokenId;
            padTokenId = c.padTokenId;
        }

        /** Tokens in the vocabulary (default 50280). */
        public Builder vocabSize(int v) {
            vocabSize = v;
            return this;
        }

        /** Round the embedding rows up to a multiple of this (default 1: no padding). */
        public Builder padVocabSizeMultiple(int v) {
            padVocabSizeMultiple = v;
            return this;
        }

        /** Model width d_model (default 768). */
        public Builder hiddenSize(int v) {
            hiddenSize = v;
            return this;
        }

        /** SSM state size N (default 16). */
        public Builder stateSize(int v) {
            stateSize = v;
            return this;
        }

        /** Number of Mamba blocks (default 24). */
        public Builder numHiddenLayers(int v) {
            numHiddenLayers = v;
            return this;
        }

        /** Expansion factor (default 2); sets the inner width to {@code (int) (expand * hiddenSize)} unless given. */
        public Builder expand(double v) {
            expand = v;
            return this;
        }

        /** Inner width d_inner; must equal {@code (int) (expand * hiddenSize)} (default: that). */
        public Builder intermediateSize(int v) {
            intermediateSize = v;
            return this;
        }

        /** Convolution width (default 4). */
        public Builder convKernel(int v) {
            convKernel = v;
            return this;
        }

        /** Delta projection rank (default: {@code ceil(hiddenSize / 16)}). */
        public Builder timeStepRank(int v) {
            timeStepRank = v;
            return this;
        }

        /** Biases in in_proj and out_proj (default false). */
        public Builder useBias(boolean v) {
            useBias = v;
            return this;
        }

        /** Bias in the convolution (default true). */
        public Builder useConvBias(boolean v) {
            useConvBias = v;
            return this;
        }

        /** RMSNorm epsilon (default 1e-5). */
        public Builder layerNormEpsilon(double v) {
            layerNormEpsilon = v;
            return this;
        }

        /** Keep the residual stream in float32 (default true). */
        public Builder residualInFp32(boolean v) {
            residualInFp32 = v;
            return this;
        }

        /** The LM head reuses the embedding matrix (default true). */
        public Builder tieWordEmbeddings(boolean v) {
            tieWordEmbeddings = v;
            return this;
        }

        /** Activation; only "silu" (default) or "swish". */
        public Builder hiddenAct(String v) {
            hiddenAct = v;
            return this;
        }

        /** Standard deviation of the normal initialisations (default 0.02). */
        public Builder initializerRange(double v) {
            initializerRange = v;
            return this;
        }

        /** Smallest initial delta (default 0.001). */
        public Builder timeStepMin(double v) {
            timeStepMin = v;
            return this;
        }

        /** Largest initial delta (default 0.1). */
        public Builder timeStepMax(double v) {
            timeStepMax = v;
            return this;
        }

        /** Floor of the initial deltas (default 1e-4). */
        public Builder timeStepFloor(double v) {
            timeStepFloor = v;
            return this;
        }

        /** Scale of dt_proj's initial weights (default 1). */
        public Builder timeStepScale(double v) {
            timeStepScale = v;
            return this;
        }

        /** "random" (default) or "constant" dt_proj weight initialisation. */
        public Builder timeStepInitScheme(String v) {
            timeStepInitScheme = v;
            return this;
        }

        /** Divide out_proj's initial weights by sqrt(layers) (default true). */
        public Builder rescalePrenormResidual(boolean v) {
            rescalePrenormResidual = v;
            return this;
        }

        /** Beginning-of-sequence token, or null (default 0). */
        public Builder bosTokenId(@Nullable Integer v) {
            bosTokenId = v;
            return this;
        }

        /** End-of-sequence token, or null (default 0). */
        public Builder eosTokenId(@Nullable Integer v) {
            eosTokenId = v;
            return this;
        }

        /** Padding token, or null (default 0). */
        public Builder padTokenId(@Nullable Integer v) {
            padTokenId = v;
            return this;
        }

        /**
         * The config.
         *
         * @throws IllegalArgumentException naming the first invalid field
         */
        public MambaConfig build() {
            return new MambaConfig(vocabSize, padVocabSizeMultiple, hiddenSize, stateSize, numHiddenLayers, expand,
                    intermediateSize != null ? intermediateSize : (int) (expand * hiddenSize), convKernel,
                    timeStepRank != null ? timeStepRank : autoTimeStepRank(hiddenSize), useBias, useConvBias,
                    layerNormEpsilon, residualInFp32, tieWordEmbeddings, hiddenAct, initializerRange, timeStepMin,
                    timeStepMax, timeStepFloor, timeStepScale, timeStepInitScheme, rescalePrenormResidual,
                    bosTokenId, eosTokenId, padTokenId);
        }
    }
}
