package org.ssm4j.mamba;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Mamba causal LM's config, the kind of its mixers and every parameter as a named
 * {@link INDArray}, all of one floating-point type. Names and shapes are Hugging Face's
 * ({@link MambaParameters}); the constructor checks that exactly those tensors are present
 * with exactly those shapes.
 *
 * <p>This is what the Hugging Face reader produces, what the SameDiff graph is built from
 * and what recurrent generation reads. The arrays are held, not copied: do not change them
 * while a graph built from them is in use unless that is the intent.
 */
public final class MambaWeights {

    private final MambaConfig config;
    private final MixerKind mixer;
    private final DataType dataType;
    private final Map<String, INDArray> tensors;

    /**
     * Checks and wraps the tensors of a Hugging Face Mamba ({@link MixerKind#SELECTIVE}).
     *
     * @param config  the model's config
     * @param tensors every parameter of {@link MambaParameters#of}{@code (config)} by name
     * @throws IllegalArgumentException if a tensor is missing, misshaped, of another type
     *                                  than the others or not floating point, or if
     *                                  unexpected tensors are present (all are named)
     */
    public MambaWeights(MambaConfig config, Map<String, INDArray> tensors) {
        this(config, MixerKind.SELECTIVE, tensors);
    }

    /**
     * Checks and wraps the tensors of a model whose mixers are of the given kind.
     *
     * @param config  the model's config
     * @param mixer   the kind of every block's mixer
     * @param tensors every parameter of {@link MambaParameters#of(MambaConfig, MixerKind)} by name
     * @throws IllegalArgumentException as {@link #MambaWeights(MambaConfig, Map)}
     */
    public MambaWeights(MambaConfig config, MixerKind mixer, Map<String, INDArray> tensors) {
        this.config = Objects.requireNonNull(config, "config");
        this.mixer = Objects.requireNonNull(mixer, "mixer");
        MambaParameters params = MambaParameters.of(config, mixer);
        List<String> problems = new ArrayList<>();
        Map<String, INDArray> ordered = new LinkedHashMap<>();
        DataType type = null;
        for (MambaParameters.Spec spec : params.specs().values()) {
            INDArray a = tensors.get(spec.name());
            if (a == null) {
                problems.add("missing tensor '" + spec.name() + "' of shape " + Arrays.toString(spec.shape()));
                continue;
            }
            if (!Arrays.equals(a.shape(), spec.shape())) {
                problems.add("tensor '" + spec.name() + "' has shape " + Arrays.toString(a.shape()) + "; expected "
                        + Arrays.toString(spec.shape()));
            }
            if (!a.dataType().isFPType()) {
                problems.add("tensor '" + spec.name() + "' is " + a.dataType() + "; expected a floating-point type");
            } else if (type == null) {
                type = a.dataType();
            } else if (a.dataType() != type) {
                problems.add("tensor '" + spec.name() + "' is " + a.dataType() + " but the others are " + type);
            }
            ordered.put(spec.name(), a);
        }
        List<String> unexpected = tensors.keySet().stream().filter(n -> !params.specs().containsKey(n)).sorted().toList();
        if (!unexpected.isEmpty()) {
            problems.add("unexpected tensors " + unexpected);
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("weights do not fit the Mamba config (d_model " + config.hiddenSize()
                    + ", " + config.numHiddenLayers() + " layers, vocab " + config.paddedVocabSize() + ", "
                    + mixer + " mixers): "
                    + String.join("; ", problems));
        }
        this.dataType = type;
        this.tensors = Collections.unmodifiableMap(ordered);
    }

    /** The model's config. */
    public MambaConfig config() {
        return config;
    }

    /** The kind of every block's mixer. */
    public MixerKind mixer() {
        return mixer;
    }

    /** Whether these are the weights of a Hugging Face Mamba (selective mixers), which recurrent generation and export need. */
    public boolean hasSelectiveMixers() {
        return mixer == MixerKind.SELECTIVE;
    }

    /**
     * Checks that these are the weights of a Hugging Face Mamba (selective mixers).
     *
     * @param user what needs them, for the message
     * @throws IllegalArgumentException if the mixers are of another kind
     */
    public void requireSelective(String user) {
        if (!hasSelectiveMixers()) {
            throw new IllegalArgumentException(user + " needs a Mamba with selective mixers (Hugging Face's); these "
                    + "weights have " + mixer + " mixers, which only MambaGraph runs");
        }
    }

    /** The element type of every tensor. */
    public DataType dataType() {
        return dataType;
    }

    /** Every tensor by Hugging Face name, in Hugging Face's order (unmodifiable). */
    public Map<String, INDArray> tensors() {
        return tensors;
    }

    /**
     * The tensor of this name.
     *
     * @throws IllegalArgumentException if there is none
     */
    public INDArray get(String name) {
        INDArray a = tensors.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' in these Mamba weights; they hold "
                    + tensors.keySet());
        }
        return a;
    }

    /** The LM head's weight: the embedding matrix when tied, else {@code lm_head.weight}. */
    public INDArray lmHead() {
        return get(config.tieWordEmbeddings() ? MambaParameters.EMBEDDINGS : MambaParameters.LM_HEAD);
    }

    /** Total number of trainable scalars. */
    public long parameterCount() {
        return tensors.values().stream().mapToLong(INDArray::length).sum();
    }

    /** These weights converted to another floating-point type (copies; the same object if already of that type). */
    public MambaWeights castTo(DataType type) {
        if (type == dataType) {
            return this;
        }
        if (!type.isFPType()) {
            throw new IllegalArgumentException("Mamba weights need a floating-point type, got " + type);
        }
        Map<String, INDArray> cast = new LinkedHashMap<>();
        tensors.forEach((n, a) -> cast.put(n, a.castTo(type)));
        return new MambaWeights(config, mixer, cast);
    }
}
