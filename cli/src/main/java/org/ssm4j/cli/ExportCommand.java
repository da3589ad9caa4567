package org.ssm4j.cli;

import org.ssm4j.mamba.MambaLM;
import org.ssm4j.safetensors.DType;
import org.ssm4j.experiments.train.Checkpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code ./mamba export}: writes a model as an ssm4j model file or a Hugging Face checkpoint directory. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a model as an ssm4j model file (samediff) or a Hugging Face checkpoint directory "
                + "(huggingface: config.json + model.safetensors).")
final class ExportCommand implements Callable<Integer> {

    /** Output formats. */
    enum Format {
        samediff, huggingface
    }

    /** Element types of a Hugging Face export. */
    enum Storage {
        f32(DType.F32), bf16(DType.BF16), f16(DType.F16);

        final DType dtype;

        Storage(DType dtype) {
            this.dtype = dtype;
        }
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "Hugging Face checkpoint directory, ssm4j model file, or the checkpoint.safetensors of a Mamba "
                    + "language model trained by mamba train.")
    Path model;

    @Option(names = "--to", required = true, paramLabel = "DIR_OR_FILE",
            description = "Model file to write (samediff) or directory to write into (huggingface).")
    Path to;

    @Option(names = "--format", required = true, paramLabel = "FORMAT", description = "samediff or huggingface.")
    Format format;

    @Option(names = "--dtype", defaultValue = "f32", paramLabel = "TYPE",
            description = "Stored weight type of a huggingface export: f32 (default), bf16 or f16.")
    Storage storage;

    @Option(names = "--json", description = "Print one JSON object: {\"format\":..., \"to\":..., \"parameters\":...}.")
    boolean json;

    @Override
    public Integer call() {
        return CommandOutput.run(spec, json, () -> {
            MambaLM lm = Checkpoint.isCheckpoint(model) ? MambaLM.fromWeights(Checkpoint.read(model).mambaWeights())
                    : MambaLM.load(model);
            if (format == Format.samediff) {
                lm.save(to);
            } else {
                lm.exportHuggingFace(to, storage.dtype);
            }
            return CommandOutput.JSON.createObjectNode().put("format", format.name())
                    .put("to", to.toAbsolutePath().toString()).put("parameters", lm.parameterCount())
                    .put("dtype", format == Format.samediff ? lm.dataType().name() : storage.name().toUpperCase(Locale.ROOT));
        }, r -> spec.commandLine().getOut().printf("wrote %s (%s, %d parameters, %s)%n", r.get("to").asText(),
                r.get("format").asText(), r.get("parameters").asLong(), r.get("dtype").asText()));
    }
}
