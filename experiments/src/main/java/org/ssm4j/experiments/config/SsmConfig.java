package org.ssm4j.experiments.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import static org.ssm4j.experiments.config.ConfigChecks.nonNegative;
import static org.ssm4j.experiments.config.ConfigChecks.orDefault;
import static org.ssm4j.experiments.config.ConfigChecks.positive;

/**
 * A Mamba language model ({@code type: mamba}) or its linear time-invariant ablation
 * ({@code type: lti}: the same block with Δ, B and C learned constants instead of functions
 * of the input). Keys and defaults follow {@code mamba_ssm}'s {@code MambaConfig}.
 *
 * @param type     {@value #MAMBA} or {@value #LTI}
 * @param name     name in reports (default: the type)
 * @param dModel   {@code d_model}: residual width
 * @param nLayers  {@code n_layers}: number of blocks
 * @param dState   {@code d_state}: SSM state size per channel (default 16)
 * @param dConv    {@code d_conv}: causal convolution width (default 4)
 * @param expand   {@code expand}: inner width = expand × d_model (default 2)
 * @param dtRank   {@code dt_rank}: rank of the Δ projection; 0 (default) means ceil(d_model / 16);
 *                 must be 0 for {@code lti}, which has none
 * @param tiedHead {@code tied_head}: the output head is the transposed embedding (default true)
 * @param bidirectional each block also scans the sequence back to front (as Vision Mamba
 *                 does), for classification; a language model must be causal (default false)
 */
public record SsmConfig(String type, String name, int dModel, int nLayers, int dState, int dConv, int expand,
                        int dtRank, boolean tiedHead, boolean bidirectional) implements ModelConfig {

    /** {@code type} of the selective model. */
    public static final String MAMBA = "mamba";
    /** {@code type} of the linear time-invariant ablation. */
    public static final String LTI = "lti";

    public SsmConfig {
        if (!MAMBA.equals(type) && !LTI.equals(type)) {
            throw new IllegalArgumentException("SsmConfig needs type '" + MAMBA + "' or '" + LTI + "', got '" + type + "'");
        }
        ModelConfig.checkName(name);
        positive("model.d_model", dModel);
        positive("model.n_layers", nLayers);
        positive("model.d_state", dState);
        positive("model.d_conv", dConv);
        positive("model.expand", expand);
        nonNegative("model.dt_rank", dtRank);
        if (LTI.equals(type) && dtRank != 0) {
            throw new IllegalArgumentException("model.dt_rank: a '" + LTI + "' model has no Δ projection (Δ = softplus(dt_bias) "
                    + "per channel), so it takes no dt_rank; got " + dtRank);
        }
    }

    @JsonCreator
    static SsmConfig fromYaml(@JsonProperty(value = "type", required = true) String type,
                              @JsonProperty("name") String name,
                              @JsonProperty(value = "d_model", required = true) int dModel,
                              @JsonProperty(value = "n_layers", required = true) int nLayers,
                              @JsonProperty("d_state") Integer dState,
                              @JsonProperty("d_conv") Integer dConv,
                              @JsonProperty("expand") Integer expand,
                              @JsonProperty("dt_rank") Integer dtRank,
                              @JsonProperty("tied_head") Boolean tiedHead,
                              @JsonProperty("bidirectional") Boolean bidirectional) {
        return new SsmConfig(type, orDefault(name, type), dModel, nLayers, orDefault(dState, 16), orDefault(dConv, 4),
                orDefault(expand, 2), orDefault(dtRank, 0), orDefault(tiedHead, true), orDefault(bidirectional, false));
    }

    /** Whether Δ, B and C depend on the input (true for {@code mamba}, false for {@code lti}). */
    public boolean selective() {
        return MAMBA.equals(type);
    }

    /** The Δ projection rank with {@code 0} resolved to ceil(d_model / 16). */
    public int resolvedDtRank() {
        return dtRank > 0 ? dtRank : (dModel + 15) / 16;
    }
}
