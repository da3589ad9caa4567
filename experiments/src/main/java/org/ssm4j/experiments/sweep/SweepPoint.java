package org.ssm4j.experiments.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jspecify.annotations.Nullable;

/**
 * The cost of a training step at one sequence length.
 *
 * @param length             tokens per sequence
 * @param batch              sequences per step
 * @param secondsPerStep     median wall-clock seconds of the timed steps (forward and backward
 *                           pass), NaN if skipped
 * @param residentBeforeBytes resident set size of the measuring JVM after building the graph,
 *                           before the first step (-1 if unknown or skipped)
 * @param peakResidentBytes  its peak resident set size after the steps (-1 if unknown or skipped)
 * @param skipped            why the length was not measured, or null
 */
public record SweepPoint(int length, int batch, double secondsPerStep, long residentBeforeBytes, long peakResidentBytes,
                         @Nullable String skipped) {

    /** A length that was not measured. */
    public static SweepPoint skipped(int length, int batch, String reason) {
        return new SweepPoint(length, batch, Double.NaN, -1, -1, reason);
    }

    /** Whether the length was skipped. */
    public boolean wasSkipped() {
        return skipped != null;
    }

    /** Training tokens per second: batch × length / seconds per step. */
    public double tokensPerSecond() {
        return (double) batch * length / secondsPerStep;
    }

    /** Memory the steps added to the JVM's footprint: peak minus the resident size before them (-1 if unknown). */
    public long stepBytes() {
        return peakResidentBytes < 0 || residentBeforeBytes < 0 ? -1 : Math.max(0, peakResidentBytes - residentBeforeBytes);
    }

    /** The point as JSON (skipped points carry only length, batch and the reason). */
    public ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode().put("length", length).put("batch", batch);
        if (wasSkipped()) {
            return node.put("skipped", skipped);
        }
        return node.put("seconds_per_step", secondsPerStep).put("tokens_per_second", tokensPerSecond())
                .put("resident_before_bytes", residentBeforeBytes).put("peak_resident_bytes", peakResidentBytes)
                .put("step_bytes", stepBytes());
    }

    /** Reads what {@link #toJson()} wrote. */
    public static SweepPoint fromJson(JsonNode node) {
        if (node.hasNonNull("skipped")) {
            return skipped(node.path("length").asInt(), node.path("batch").asInt(), node.get("skipped").asText());
        }
        return new SweepPoint(node.path("length").asInt(), node.path("batch").asInt(), node.path("seconds_per_step").asDouble(),
                node.path("resident_before_bytes").asLong(), node.path("peak_resident_bytes").asLong(), null);
    }
}
