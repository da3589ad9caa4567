package org.ssm4j.mamba.graph;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.mamba.MambaConfig;
import org.ssm4j.mamba.MambaParameters;
import org.ssm4j.mamba.MambaWeights;
import org.ssm4j.mamba.MixerKind;
import org.ssm4j.ops.SsmOps;
import org.ssm4j.ops.sequence.SequenceReverse;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The residual Mamba blocks on their own, for models that bring their own input and output
 * layers (a classifier over pixels or audio frames): {@code numHiddenLayers} × (RMSNorm →
 * mixer → residual add), then the final RMSNorm, on a (batch, length, hiddenSize) sequence.
 *
 * <p><b>Bidirectional</b> blocks (as in Vision Mamba, Zhu et al. 2024) add to each layer a
 * second mixer that reads the normalised sequence back to front: the layer's update is
 * {@code mixer(h) + reverse(mixer_backward(reverse(h)))}, so every position sees the whole
 * sequence while each scan stays linear in the length. The backward mixer has parameters of
 * its own ({@link #backwardMixer(int)}); the norm is shared.
 *
 * <p>Parameter names are the Hugging Face ones of {@link MambaParameters}, so a
 * unidirectional stack's weights are those of a Mamba LM's backbone. The mixers are of one
 * {@link MixerKind}: Mamba's selective ones, or the time-invariant (LTI) baseline's.
 */
public final class MambaBlocks {

    private MambaBlocks() {
    }

    /**
     * Step sizes of layer {@code i}'s mixer, {@code softplus(dt_proj(dt) + dt_proj.bias)}
     * ({@code softplus(dt_bias)} at every position for a time-invariant mixer): (batch, length,
     * intermediateSize).
     */
    public static String deltaOutput(int layer) {
        return "delta." + layer;
    }

    /** Step sizes of layer {@code i}'s backward mixer (bidirectional blocks), in the reversed order it scans. */
    public static String backwardDeltaOutput(int layer) {
        return "delta_backward." + layer;
    }

    /** Names of layer {@code i}'s backward mixer parameters ({@code backbone.layers.I.mixer_backward.*}); its norm is the layer's. */
    public static MambaParameters.Layer backwardMixer(int i) {
        MambaParameters.Layer f = MambaParameters.layer(i);
        String m = "backbone.layers." + i + ".mixer_backward.";
        return new MambaParameters.Layer(i, f.norm(), m + "in_proj.weight", m + "in_proj.bias", m + "conv1d.weight",
                m + "conv1d.bias", m + "x_proj.weight", m + "dt_proj.weight", m + "dt_proj.bias", m + "A_log", m + "D",
                m + "out_proj.weight", m + "out_proj.bias");
    }

    /**
     * The blocks' parameters: each layer's norm and mixer (and backward mixer), then
     * {@code backbone.norm_f.weight}, in that order.
     */
    public static Map<String, MambaParameters.Spec> specs(MambaConfig config, MixerKind mixer, boolean bidirectional) {
        Map<String, MambaParameters.Spec> all = MambaParameters.of(config, mixer).specs();
        Map<String, MambaParameters.Spec> specs = new LinkedHashMap<>();
        String backwardInfix = ".mixer_backward.";
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            String prefix = "backbone.layers." + i + ".";
            all.values().stream().filter(s -> s.name().startsWith(prefix)).forEach(s -> specs.put(s.name(), s));
            if (bidirectional) {
                all.values().stream().filter(s -> s.name().startsWith(prefix + "mixer.")).forEach(s -> {
                    String name = prefix + backwardInfix.substring(1) + s.name().substring((prefix + "mixer.").length());
                    specs.put(name, new MambaParameters.Spec(name, s.shape(), s.weightDecay()));
                });
            }
        }
        specs.put(MambaParameters.NORM_F, all.get(MambaParameters.NORM_F));
        return specs;
    }

    /**
     * Fresh weights for the blocks, initialised as {@link MambaInitialization} initialises a
     * Mamba LM: the forward layers and {@code norm_f} are those of an LM of this config and
     * seed; the backward mixers those of an LM of the next seed.
     */
    public static Map<String, INDArray> initialize(MambaConfig config, MixerKind mixer, boolean bidirectional,
                                                   DataType dataType, long seed) {
        MambaWeights forward = MambaInitialization.initialize(config, mixer, dataType, seed);
        MambaWeights backward = bidirectional ? MambaInitialization.initialize(config, mixer, dataType, seed + 1) : null;
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String name : specs(config, mixer, bidirectional).keySet()) {
            int backwardAt = name.indexOf(".mixer_backward.");
            if (backwardAt < 0) {
                out.put(name, forward.tensors().get(name));
            } else {
                out.put(name, backward.tensors().get(name.substring(0, backwardAt) + ".mixer."
                        + name.substring(backwardAt + ".mixer_backward.".length())));
            }
        }
        return out;
    }

    /**
     * Adds the blocks to {@code sd}.
     *
     * @param mixer         the kind of every mixer
     * @param hidden        the input sequence, (batch, length, hiddenSize)
     * @param vars          a variable for each of {@link #specs} by name
     * @param bidirectional whether each layer also scans back to front
     * @return the output of the final RMSNorm, (batch·length, hiddenSize)
     */
    public static SDVariable apply(SameDiff sd, MambaConfig config, MixerKind mixer, SDVariable hidden,
                                   Map<String, SDVariable> vars, boolean bidirectional) {
        Shapes shapes = Shapes.ofSequence(sd, hidden);
        SDVariable out = residualLayers(sd, config, mixer, shapes, hidden, vars, bidirectional, false);
        return SsmOps.rmsNorm(sd, null, shapes.flat(out, config.hiddenSize()), vars.get(MambaParameters.NORM_F),
                config.layerNormEpsilon());
    }

    /**
     * The residual layers on {@code hidden} (batch, length, hiddenSize), naming each layer's
     * {@link MambaGraph#mixerOutput}, {@link MambaGraph#blockOutput} and {@link #deltaOutput};
     * returns the residual stream after the last layer, (batch, length, hiddenSize).
     *
     * @param stateIo whether each layer's (forward) mixer starts from recurrent-state
     *                placeholders and names its final states (see
     *                {@link MambaGraph#build(MambaWeights, boolean)}, the only caller that sets it)
     */
    static SDVariable residualLayers(SameDiff sd, MambaConfig config, MixerKind mixer, Shapes shapes, SDVariable hidden,
                                     Map<String, SDVariable> vars, boolean bidirectional, boolean stateIo) {
        int d = config.hiddenSize();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            MambaParameters.Layer names = MambaParameters.layer(i);
            SDVariable normed = SsmOps.rmsNorm(sd, null, shapes.flat(hidden, d), vars.get(names.norm()),
                    config.layerNormEpsilon());
            SDVariable mixed = MambaMixer.apply(sd, config, mixer, shapes, normed, names, vars, deltaOutput(i), stateIo);
            if (bidirectional) {
                SDVariable reversed = shapes.flat(SequenceReverse.reverse(sd, null, shapes.sequence(normed, d)), d);
                SDVariable backward = MambaMixer.apply(sd, config, mixer, shapes, reversed, backwardMixer(i), vars,
                        backwardDeltaOutput(i), false);
                mixed = mixed.add(shapes.flat(SequenceReverse.reverse(sd, null, shapes.sequence(backward, d)), d));
            }
            SDVariable mixerOut = sd.identity(MambaGraph.mixerOutput(i), shapes.sequence(mixed, d));
            hidden = sd.math.add(MambaGraph.blockOutput(i), hidden, mixerOut);
        }
        return hidden;
    }
}
