package org.ssm4j.experiments.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import static org.ssm4j.experiments.config.ConfigChecks.orDefault;
import static org.ssm4j.experiments.config.ConfigChecks.positive;

/**
 * The Transformer baseline: pre-norm (RMSNorm) blocks of causal multi-head attention with
 * rotary position embeddings and a GELU MLP, no biases.
 *
 * @param type      always {@value #TYPE}
 * @param name      name in reports (default {@value #TYPE})
 * @param dModel    {@code d_model}: residual width, a multiple of {@code n_heads}
 * @param nLayers   {@code n_layers}: number of blocks
 * @param nHeads    {@code n_heads}: attention heads (default 4); the head width must be even
 *                  (rotary embeddings rotate pairs)
 * @param dFf       {@code d_ff}: MLP hidden width (default 4 × d_model)
 * @param tiedHead  {@code tied_head}: the output head is the transposed embedding (default true)
 * @param ropeBase  {@code rope_base}: base of the rotary frequencies (default 10000)
 */
public record TransformerConfig(String type, String name, int dModel, int nLayers, int nHeads, int dFf,
                                boolean tiedHead, double ropeBase) implements ModelConfig {

    /** The config's {@code type} value. */
    public static final String TYPE = "transformer";

    public TransformerConfig {
        if (!TYPE.equals(type)) {
            throw new IllegalArgumentException("TransformerConfig needs type '" + TYPE + "', got '" + type + "'");
        }
        ModelConfig.checkName(name);
        positive("model.d_model", dModel);
        positive("model.n_layers", nLayers);
        positive("model.n_heads", nHeads);
        positive("model.d_ff", dFf);
        positive("model.rope_base", ropeBase);
        if (dModel % nHeads != 0 || (dModel / nHeads) % 2 != 0) {
            throw new IllegalArgumentException("model.d_model must be n_heads times an even head width, got d_model "
                    + dModel + " and n_heads " + nHeads);
        }
    }

    @JsonCreator
    static TransformerConfig fromYaml(@JsonProperty(value = "type", required = true) String type,
                                      @JsonProperty("name") String name,
                                      @JsonProperty(value = "d_model", required = true) int dModel,
                                      @JsonProperty(value = "n_layers", required = true) int nLayers,
                                      @JsonProperty("n_heads") Integer nHeads,
                                      @JsonProperty("d_ff") Integer dFf,
                                      @JsonProperty("tied_head") Boolean tiedHead,
                                      @JsonProperty("rope_base") Double ropeBase) {
        return new TransformerConfig(type, orDefault(name, TYPE), dModel, nLayers, orDefault(nHeads, 4),
                orDefault(dFf, 4 * dModel), orDefault(tiedHead, true), orDefault(ropeBase, 10000.0));
    }

    /** Width of one attention head. */
    public int headDim() {
        return dModel / nHeads;
    }
}
