package org.ssm4j.mamba;

/**
 * Which state space model the mixer of every Mamba block runs. This is a choice of how the
 * model is built, not a Hugging Face config field: {@link MambaConfig} keeps Hugging Face's
 * meaning (which has only the selective mixer), and the mixer kind travels with the weights
 * ({@link MambaWeights#mixer()}), since the two kinds have different parameters
 * ({@link MambaParameters#of(MambaConfig, MixerKind)}).
 */
public enum MixerKind {

    /**
     * Mamba's selective SSM: the step sizes Δ and the matrices B and C are computed from the
     * input at every position ({@code x_proj}, {@code dt_proj}). Hugging Face's Mamba.
     */
    SELECTIVE,

    /**
     * The linear time-invariant ablation of the Mamba paper (§4.1, Table 1: "S4"-style): the
     * same block, but Δ = softplus({@code dt_bias}), B and C are parameters learned per channel,
     * the same at every position for every input (diagonal, S4D-real A as in Mamba). It has no
     * {@code x_proj} and no {@code dt_proj}; it has {@code dt_bias} (channels), {@code B} and
     * {@code C} (channels, state) instead. Hugging Face has no such model: these weights are
     * neither exported nor run by the recurrent generator.
     */
    TIME_INVARIANT
}
