package org.ssm4j.experiments.eval;

import org.jspecify.annotations.Nullable;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The score of a model on a fixed evaluation set of one sequence length.
 *
 * @param length          tokens per sequence
 * @param samples         sequences scored
 * @param loss            mean cross-entropy over the answer positions (NaN if skipped)
 * @param accuracy        fraction of answer positions where the most likely token is the
 *                        answer (NaN if skipped)
 * @param tokensPerSecond tokens through the forward pass per second of forward-pass time
 *                        (NaN if skipped)
 * @param skipped         why the length was not evaluated, or null if it was
 */
public record EvalResult(int length, int samples, double loss, double accuracy, double tokensPerSecond, @Nullable String skipped) {

    /** A length that was not evaluated, with the reason. */
    public static EvalResult skipped(int length, int samples, String reason) {
        return new EvalResult(length, samples, Double.NaN, Double.NaN, Double.NaN, reason);
    }

    /** Whether the length was skipped rather than evaluated. */
    public boolean wasSkipped() {
        return skipped != null;
    }

    /**
     * The result as JSON: length, samples and either loss, accuracy, tokens_per_second or
     * skipped (JSON has no NaN).
     */
    public ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode().put("length", length).put("samples", samples);
        if (wasSkipped()) {
            node.put("skipped", skipped);
        } else {
            node.put("loss", loss).put("accuracy", accuracy).put("tokens_per_second", tokensPerSecond);
        }
        return node;
    }

    /** Reads what {@link #toJson()} wrote. */
    public static EvalResult fromJson(JsonNode node) {
        if (node.hasNonNull("skipped")) {
            return skipped(node.path("length").asInt(), node.path("samples").asInt(), node.get("skipped").asText());
        }
        return new EvalResult(node.path("length").asInt(), node.path("samples").asInt(), node.path("loss").asDouble(),
                node.path("accuracy").asDouble(), node.path("tokens_per_second").asDouble(), null);
    }
}
