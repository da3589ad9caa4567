package org.ssm4j.mamba;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The parameters of a Mamba causal LM: their names (Hugging Face's, which are also the
 * SameDiff variable names of {@code org.ssm4j.mamba.graph}), shapes and whether they take
 * weight decay. Shapes are PyTorch's: a linear layer's weight is (out, in).
 *
 * <p>A model whose mixers are {@link MixerKind#TIME_INVARIANT} has, in each mixer, instead of
 * {@code x_proj.weight}, {@code dt_proj.weight} and {@code dt_proj.bias}: {@code dt_bias}
 * (d_inner), {@code B} and {@code C} (d_inner, state) — names in the style of Hugging Face's
 * Mamba-2 ({@code dt_bias}), since Hugging Face has no such model.
 */
public final class MambaParameters {

    /** The token embedding matrix (paddedVocabSize, hiddenSize). */
    public static final String EMBEDDINGS = "backbone.embeddings.weight";
    /** The final RMSNorm's weight (hiddenSize). */
    public static final String NORM_F = "backbone.norm_f.weight";
    /** The LM head (paddedVocabSize, hiddenSize); present only when the embeddings are not tied. */
    public static final String LM_HEAD = "lm_head.weight";

    /**
     * One parameter.
     *
     * @param name        Hugging Face name
     * @param shape       PyTorch shape
     * @param weightDecay whether an optimiser with weight decay should decay it (false for
     *                    A_log, D, norm weights and biases, as in the Mamba reference)
     */
    public record Spec(String name, long[] shape, boolean weightDecay) {
        public Spec {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** Number of elements. */
        public long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Spec s && name.equals(s.name) && Arrays.equals(shape, s.shape) && weightDecay == s.weightDecay;
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + Arrays.hashCode(shape);
        }

        @Override
        public String toString() {
            return name + Arrays.toString(shape);
        }
    }

    /**
     * The names of one block's parameters; {@code inProjBias} and {@code outProjBias} exist
     * only with {@code use_bias}, {@code convBias} only with {@code use_conv_bias}.
     */
    public record Layer(int index, String norm, String inProjWeight, String inProjBias, String convWeight,
                        String convBias, String xProjWeight, String dtProjWeight, String dtProjBias,
                        String aLog, String d, String outProjWeight, String outProjBias) {

        /** A time-invariant mixer's step-size bias (d_inner): Δ = softplus(dt_bias), next to {@link #aLog()}. */
        public String dtBias() {
            return mixerPrefix() + "dt_bias";
        }

        /** A time-invariant mixer's input matrix B (d_inner, state), next to {@link #aLog()}. */
        public String b() {
            return mixerPrefix() + "B";
        }

        /** A time-invariant mixer's output matrix C (d_inner, state), next to {@link #aLog()}. */
        public String c() {
            return mixerPrefix() + "C";
        }

        private String mixerPrefix() {
            return aLog.substring(0, aLog.lastIndexOf('.') + 1);
        }
    }

    private final MambaConfig config;
    private final MixerKind mixer;
    private final Map<String, Spec> specs;

    private MambaParameters(MambaConfig config, MixerKind mixer) {
        this.config = config;
        this.mixer = mixer;
        Map<String, Spec> s = new LinkedHashMap<>();
        long vocab = config.paddedVocabSize();
        long d = config.hiddenSize();
        long di = config.intermediateSize();
        add(s, EMBEDDINGS, true, vocab, d);
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            Layer l = layer(i);
            add(s, l.norm(), false, d);
            add(s, l.inProjWeight(), true, 2 * di, d);
            if (config.useBias()) {
                add(s, l.inProjBias(), false, 2 * di);
            }
            add(s, l.convWeight(), true, di, 1, config.convKernel());
            if (config.useConvBias()) {
                add(s, l.convBias(), false, di);
            }
            if (mixer == MixerKind.SELECTIVE) {
                add(s, l.xProjWeight(), true, config.xProjSize(), di);
                add(s, l.dtProjWeight(), true, di, config.timeStepRank());
                add(s, l.dtProjBias(), false, di);
            } else {
                add(s, l.dtBias(), false, di);
                add(s, l.b(), true, di, config.stateSize());
                add(s, l.c(), true, di, config.stateSize());
            }
            add(s, l.aLog(), false, di, config.stateSize());
            add(s, l.d(), false, di);
            add(s, l.outProjWeight(), true, d, di);
            if (config.useBias()) {
                add(s, l.outProjBias(), false, d);
            }
        }
        add(s, NORM_F, false, d);
        if (!config.tieWordEmbeddings()) {
            add(s, LM_HEAD, true, vocab, d);
        }
        this.specs = Collections.unmodifiableMap(s);
    }

    private static void add(Map<String, Spec> s, String name, boolean decay, long... shape) {
        s.put(name, new Spec(name, shape, decay));
    }

    /** The parameters of a model with this config (Hugging Face's Mamba: {@link MixerKind#SELECTIVE}). */
    public static MambaParameters of(MambaConfig config) {
        return of(config, MixerKind.SELECTIVE);
    }

    /** The parameters of a model with this config whose mixers are of this kind. */
    public static MambaParameters of(MambaConfig config, MixerKind mixer) {
        return new MambaParameters(Objects.requireNonNull(config, "config"), Objects.requireNonNull(mixer, "mixer"));
    }

    /** The names of block {@code i}'s parameters (whether or not the config has the optional biases). */
    public static Layer layer(int i) {
        String p = "backbone.layers." + i + ".";
        String m = p + "mixer.";
        return new Layer(i, p + "norm.weight", m + "in_proj.weight", m + "in_proj.bias", m + "conv1d.weight",
                m + "conv1d.bias", m + "x_proj.weight", m + "dt_proj.weight", m + "dt_proj.bias", m + "A_log",
                m + "D", m + "out_proj.weight", m + "out_proj.bias");
    }

    /** The config these parameters belong to. */
    public MambaConfig config() {
        return config;
    }

    /** The kind of the mixers these parameters belong to. */
    public MixerKind mixer() {
        return mixer;
    }

    /** Every parameter, in Hugging Face's order. */
    public Map<String, Spec> specs() {
        return specs;
    }

    /** Every parameter name, in Hugging Face's order. */
    public List<String> names() {
        return new ArrayList<>(specs.keySet());
    }

    /** The parameter of this name. @throws IllegalArgumentException if the model has none such */
    public Spec spec(String name) {
        Spec s = specs.get(name);
        if (s == null) {
            throw new IllegalArgumentException("a Mamba model with this config has no parameter '" + name + "'");
        }
        return s;
    }

    /**
     * The names of the parameters that take no weight decay: A_log, D, the norm weights, the
     * biases (a time-invariant mixer's {@code dt_bias} among them).
     */
    public Set<String> noWeightDecay() {
        Set<String> out = new LinkedHashSet<>();
        specs.values().stream().filter(s -> !s.weightDecay()).forEach(s -> out.add(s.name()));
        return Collections.unmodifiableSet(out);
    }

    /** Total number of trainable scalars. */
    public long count() {
        return specs.values().stream().mapToLong(Spec::elements).sum();
    }
}
