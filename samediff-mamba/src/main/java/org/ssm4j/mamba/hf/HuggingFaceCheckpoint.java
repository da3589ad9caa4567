package org.ssm4j.mamba.hf;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.mamba.MambaConfig;
import org.ssm4j.mamba.MambaParameters;
import org.ssm4j.mamba.MambaWeights;
import org.ssm4j.safetensors.DType;
import org.ssm4j.safetensors.SafetensorsFile;
import org.ssm4j.safetensors.SafetensorsWriter;
import org.ssm4j.safetensors.TensorInfo;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads and writes Hugging Face {@code MambaForCausalLM} checkpoints: a directory with
 * {@code config.json} and {@code model.safetensors} (or a sharded
 * {@code model.safetensors.index.json}).
 *
 * <p>Reading accepts F32, F16, BF16 and F64 tensors and converts them to the requested model
 * type. Every tensor the config calls for must be present with its exact shape, and no other
 * tensor may be, with two exceptions Hugging Face also makes: {@code backbone.embedding.weight}
 * (the {@code mamba_ssm} spelling) is read as {@code backbone.embeddings.weight}, and a tied
 * model's checkpoint may repeat the embeddings as {@code lm_head.weight} if the two are equal.
 *
 * <p>Writing produces what {@code save_pretrained} writes: the same names, shapes and layout,
 * the tied LM head left out, {@code {"format": "pt"}} metadata, each file written atomically.
 */
public final class HuggingFaceCheckpoint {

    /** The config file's name. */
    public static final String CONFIG_FILE = "config.json";

    private static final String MAMBA_SSM_EMBEDDING = "backbone.embedding.weight";

    private HuggingFaceCheckpoint() {
    }

    /** True if {@code dir} looks like a Hugging Face checkpoint directory (it has a {@code config.json}). */
    public static boolean isCheckpointDirectory(Path dir) {
        return Files.isDirectory(dir) && Files.isRegularFile(dir.resolve(CONFIG_FILE));
    }

    /**
     * Reads a checkpoint directory.
     *
     * @param dir      the directory holding {@code config.json} and the safetensors file(s)
     * @param dataType the model's type: {@link DataType#FLOAT} or {@link DataType#DOUBLE}
     * @throws IllegalArgumentException if the config is invalid, a tensor is missing, misshaped
     *                                  or not floating point, or unexpected tensors are present
     *                                  (every problem is named, with both shapes)
     * @throws UncheckedIOException     if a file cannot be read
     */
    public static MambaWeights read(Path dir, DataType dataType) {
        if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
            throw new IllegalArgumentException("model data type must be FLOAT or DOUBLE, got " + dataType);
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("Hugging Face checkpoint " + dir + " is not a directory");
        }
        Path configFile = dir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(configFile)) {
            throw new IllegalArgumentException("Hugging Face checkpoint " + dir + " has no " + CONFIG_FILE);
        }
        MambaConfig config = MambaConfig.read(configFile);
        MambaParameters params = MambaParameters.of(config);
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir)) {
            Map<String, String> source = new LinkedHashMap<>();
            List<String> unexpected = new ArrayList<>();
            for (String name : ckpt.names()) {
                String as = name.equals(MAMBA_SSM_EMBEDDING) ? MambaParameters.EMBEDDINGS : name;
                if (params.specs().containsKey(as) && !source.containsKey(as)) {
                    source.put(as, name);
                } else if (!(as.equals(MambaParameters.LM_HEAD) && config.tieWordEmbeddings())) {
                    unexpected.add(name);
                }
            }
            List<String> problems = new ArrayList<>();
            for (MambaParameters.Spec spec : params.specs().values()) {
                String name = source.get(spec.name());
                if (name == null) {
                    problems.add("missing tensor '" + spec.name() + "' (expected shape " + Arrays.toString(spec.shape()) + ")");
                    continue;
                }
                TensorInfo info = ckpt.info(name);
                if (!Arrays.equals(info.shape(), spec.shape())) {
                    problems.add("tensor '" + name + "' has shape " + info.shapeString() + "; the config needs "
                            + Arrays.toString(spec.shape()));
                }
                if (!info.dtype().isFloatingPoint()) {
                    problems.add("tensor '" + name + "' is " + info.dtype() + "; expected F32, F16, BF16 or F64");
                }
            }
            if (!unexpected.isEmpty()) {
                problems.add("unexpected tensors " + unexpected + " (not part of a Mamba model with this config)");
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException("checkpoint " + dir + " does not match its " + CONFIG_FILE + ": "
                        + String.join("; ", problems));
            }
            Map<String, INDArray> tensors = new LinkedHashMap<>();
            source.forEach((param, name) -> tensors.put(param, readTensor(ckpt.fileOf(name), name, dataType)));
            if (config.tieWordEmbeddings() && ckpt.contains(MambaParameters.LM_HEAD)) {
                INDArray head = readTensor(ckpt.fileOf(MambaParameters.LM_HEAD), MambaParameters.LM_HEAD, dataType);
                if (!head.equalsWithEps(tensors.get(MambaParameters.EMBEDDINGS), 0.0)) {
                    throw new IllegalArgumentException("checkpoint " + dir + " ties the LM head to the embeddings "
                            + "(tie_word_embeddings) but holds an lm_head.weight of shape "
                            + Arrays.toString(head.shape()) + " that differs from them");
                }
            }
            return new MambaWeights(config, tensors);
        }
    }

    private static INDArray readTensor(SafetensorsFile file, String name, DataType dataType) {
        long[] shape = file.info(name).shape();
        return dataType == DataType.DOUBLE
                ? Nd4j.create(file.readDoubles(name), shape, 'c')
                : Nd4j.create(file.readFloats(name), shape, 'c');
    }

    /**
     * Writes weights as a Hugging Face checkpoint directory ({@code config.json} and
     * {@code model.safetensors}) that transformers' {@code MambaForCausalLM.from_pretrained}
     * loads. Each file is replaced atomically; the directory is created if needed.
     *
     * @param storage the stored element type: F32, F16 or BF16 (rounded to nearest even), or F64
     * @throws IllegalArgumentException if the weights' mixers are not selective (Hugging Face
     *                                  has no time-invariant Mamba)
     * @throws UncheckedIOException     if a file cannot be written
     */
    public static void write(MambaWeights weights, Path dir, DType storage) {
        weights.requireSelective("a Hugging Face checkpoint");
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        for (Map.Entry<String, INDArray> e : weights.tensors().entrySet()) {
            INDArray a = e.getValue();
            long[] shape = a.shape();
            switch (storage) {
                case F32 -> writer.addF32(e.getKey(), shape, a.dup('c').data().asFloat());
                case F64 -> writer.addF64(e.getKey(), shape, a.dup('c').data().asDouble());
                case BF16 -> writer.addBF16(e.getKey(), shape, a.dup('c').data().asFloat());
                case F16 -> writer.addF16(e.getKey(), shape, a.dup('c').data().asFloat());
                default -> throw new IllegalArgumentException("Hugging Face checkpoints store weights as F32, F16, "
                        + "BF16 or F64; got " + storage);
            }
        }
        writer.write(dir.resolve(SafetensorsCheckpoint.SINGLE_FILE));
        weights.config().write(dir.resolve(CONFIG_FILE), torchDtype(storage));
    }

    /** PyTorch's name of a storage type, as {@code config.json}'s {@code dtype} field spells it. */
    static String torchDtype(DType storage) {
        return switch (storage) {
            case F32 -> "float32";
            case F64 -> "float64";
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            default -> storage.name().toLowerCase(Locale.ROOT);
        };
    }
}
