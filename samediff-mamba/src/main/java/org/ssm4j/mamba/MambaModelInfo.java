package org.ssm4j.mamba;

import org.ssm4j.mamba.hf.HuggingFaceCheckpoint;
import org.ssm4j.mamba.hf.SafetensorsCheckpoint;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;

/**
 * What a model path holds, read without loading the weights: its format, config, storage
 * type and parameter count.
 *
 * @param format         {@code "huggingface"} (checkpoint directory) or {@code "samediff"} (ssm4j model file)
 * @param config         the model's config
 * @param dataType       how the weights are stored: the safetensors dtype(s) of a checkpoint
 *                       (e.g. {@code "F32"}, {@code "BF16"}), the ND4J type of a model file
 *                       ({@code "FLOAT"}, {@code "DOUBLE"})
 * @param parameters     number of trainable scalars (a tied LM head counted once)
 * @param updaterState   whether a model file carries SameDiff updater state (false for checkpoints)
 */
public record MambaModelInfo(String format, MambaConfig config, String dataType, long parameters,
                             boolean updaterState) {

    /** Format name of a Hugging Face checkpoint directory. */
    public static final String HUGGING_FACE = "huggingface";
    /** Format name of an ssm4j model file. */
    public static final String SAMEDIFF = "samediff";

    /**
     * Reads the description of a model path (a Hugging Face checkpoint directory or an ssm4j model file).
     *
     * @throws IllegalArgumentException if the path is neither, or its config is invalid
     * @throws UncheckedIOException     if it cannot be read
     */
    public static MambaModelInfo of(Path path) {
        if (Files.isDirectory(path)) {
            MambaConfig config = MambaConfig.read(path.resolve(HuggingFaceCheckpoint.CONFIG_FILE));
            TreeSet<String> types = new TreeSet<>();
            try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(path)) {
                ckpt.names().forEach(n -> types.add(ckpt.info(n).dtype().name()));
            }
            return new MambaModelInfo(HUGGING_FACE, config, String.join("+", types),
                    MambaParameters.of(config).count(), false);
        }
        if (MambaModelFile.isModelFile(path)) {
            MambaModelFile.Header header = MambaModelFile.readHeader(path);
            return new MambaModelInfo(SAMEDIFF, header.config(), header.dataType(),
                    MambaParameters.of(header.config()).count(), header.updaterState());
        }
        throw MambaModelFile.notAModel(path);
    }
}
