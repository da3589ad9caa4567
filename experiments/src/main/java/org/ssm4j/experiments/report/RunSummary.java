package org.ssm4j.experiments.report;

import org.jspecify.annotations.Nullable;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.eval.EvalResult;
import org.ssm4j.io.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The outcome of one run, as written to its {@code results.json}: what was trained, how
 * long and how fast, the peak memory, and the final evaluation at each length.
 *
 * @param experiment           the experiment's name
 * @param model                the model's name
 * @param modelType            the model's type
 * @param parameterCount       trainable scalars
 * @param steps                optimiser steps completed
 * @param stopReason           why training stopped early, or null
 * @param trainSeconds         wall-clock seconds in training steps
 * @param trainTokens          tokens trained on
 * @param finalTrainLoss       loss of the last training step (NaN if none ran in this process
 *                             and none was logged)
 * @param peakResidentBytes    peak resident set size of the process that ran it (-1 if unknown)
 * @param evaluations          the final evaluation, one per length
 */
public record RunSummary(String experiment, String model, String modelType, long parameterCount, int steps,
                         @Nullable String stopReason, double trainSeconds, long trainTokens, double finalTrainLoss,
                         long peakResidentBytes, List<EvalResult> evaluations) {

    /** File name in a run directory. */
    public static final String FILE_NAME = "results.json";

    public RunSummary {
        evaluations = List.copyOf(evaluations);
    }

    /** Training throughput in tokens per second of training-step time. */
    public double trainTokensPerSecond() {
        return trainSeconds > 0 ? trainTokens / trainSeconds : Double.NaN;
    }

    /** The summary as JSON. */
    public ObjectNode toJson() {
        ObjectNode node = ConfigLoader.json().createObjectNode();
        node.put("experiment", experiment).put("model", model).put("model_type", modelType)
                .put("parameter_count", parameterCount).put("steps", steps).put("stop_reason", stopReason)
                .put("train_seconds", trainSeconds).put("train_tokens", trainTokens);
        putFinite(node, "train_tokens_per_second", trainTokensPerSecond());
        putFinite(node, "final_train_loss", finalTrainLoss);
        node.put("peak_resident_bytes", peakResidentBytes);
        ArrayNode evals = node.putArray("evaluations");
        evaluations.forEach(e -> evals.add(e.toJson()));
        return node;
    }

    private static void putFinite(ObjectNode node, String key, double value) {
        if (Double.isFinite(value)) {
            node.put(key, value);
        } else {
            node.putNull(key);
        }
    }

    /** Writes {@code results.json} into {@code runDir} atomically. */
    public void write(Path runDir) {
        AtomicFiles.writeString(runDir.resolve(FILE_NAME), toJson().toPrettyString() + "\n");
    }

    /**
     * Reads a run directory's {@code results.json}.
     *
     * @throws IllegalArgumentException if it is missing or malformed
     */
    public static RunSummary read(Path runDir) {
        Path file = runDir.resolve(FILE_NAME);
        JsonNode node;
        try {
            node = ConfigLoader.json().readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            if (!Files.exists(file)) {
                throw new IllegalArgumentException("run directory " + runDir + " has no " + FILE_NAME + " (the run did not finish)");
            }
            throw new UncheckedIOException("cannot read " + file, e);
        }
        List<EvalResult> evals = new ArrayList<>();
        node.path("evaluations").forEach(e -> evals.add(EvalResult.fromJson(e)));
        return new RunSummary(node.path("experiment").asText(), node.path("model").asText(), node.path("model_type").asText(),
                node.path("parameter_count").asLong(), node.path("steps").asInt(),
                node.path("stop_reason").isNull() ? null : node.path("stop_reason").asText(),
                node.path("train_seconds").asDouble(), node.path("train_tokens").asLong(),
                node.path("final_train_loss").isNull() ? Double.NaN : node.path("final_train_loss").asDouble(),
                node.path("peak_resident_bytes").asLong(), evals);
    }
}
