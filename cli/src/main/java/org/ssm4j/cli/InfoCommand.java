package org.ssm4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.ssm4j.mamba.MambaConfig;
import org.ssm4j.mamba.MambaModelInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ./mamba info}: a model's size, shape and storage type, without loading its weights. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show a model's parameters, layers, dimensions and storage type (weights are not loaded).")
final class InfoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "Hugging Face checkpoint directory or ssm4j model file.")
    Path model;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        return CommandOutput.run(spec, json, () -> {
            MambaModelInfo info = MambaModelInfo.of(model);
            MambaConfig c = info.config();
            ObjectNode o = CommandOutput.JSON.createObjectNode();
            o.put("path", model.toAbsolutePath().toString());
            o.put("format", info.format());
            o.put("parameters", info.parameters());
            o.put("layers", c.numHiddenLayers());
            o.put("hiddenSize", c.hiddenSize());
            o.put("intermediateSize", c.intermediateSize());
            o.put("stateSize", c.stateSize());
            o.put("convKernel", c.convKernel());
            o.put("timeStepRank", c.timeStepRank());
            o.put("vocabSize", c.vocabSize());
            o.put("paddedVocabSize", c.paddedVocabSize());
            o.put("tiedEmbeddings", c.tieWordEmbeddings());
            o.put("dtype", info.dataType());
            o.put("updaterState", info.updaterState());
            return o;
        }, o -> spec.commandLine().getOut().printf(
                "%s (%s)%n  parameters  %,d%n  layers      %d%n  d_model     %d%n  d_inner     %d%n  d_state     %d%n"
                        + "  d_conv      %d%n  dt_rank     %d%n  vocabulary  %d (embedding rows %d, %s)%n  dtype       %s%n",
                o.get("path").asText(), o.get("format").asText(), o.get("parameters").asLong(), o.get("layers").asInt(),
                o.get("hiddenSize").asInt(), o.get("intermediateSize").asInt(), o.get("stateSize").asInt(),
                o.get("convKernel").asInt(), o.get("timeStepRank").asInt(), o.get("vocabSize").asInt(),
                o.get("paddedVocabSize").asInt(), o.get("tiedEmbeddings").asBoolean() ? "tied head" : "separate head",
                o.get("dtype").asText()));
    }
}
