package org.ssm4j.experiments.models;

import org.jspecify.annotations.Nullable;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.Set;

/**
 * The blocks of a sequence model without its input and output layers: a map from a sequence
 * of {@code width}-wide vectors to another, the part that the Transformer, Mamba and their
 * variants differ in. Models that read something other than token ids (pixels, audio) or
 * predict something other than the next token (a class) put their own layers around one.
 *
 * <p>Its parameters are live arrays, as a {@link TrainableModel}'s.
 */
public interface SequenceBackbone {

    /** Width of the vectors in and out. */
    int width();

    /** The blocks' parameters by name, in a fixed order. */
    Map<String, INDArray> parameters();

    /** Names of the parameters that take no weight decay. */
    Set<String> noDecayParameterNames();

    /**
     * Adds the blocks to {@code sd}.
     *
     * @param sd      the graph
     * @param weights a variable of {@code sd} for each of {@link #parameters()}, by the same name
     * @param rows    the input sequences as rows {@code (batch*length, width)}, sequence by
     *                sequence
     * @param batch   sequences
     * @param length  positions per sequence
     * @param causal  whether position t may only depend on positions up to t (language
     *                modelling) or on the whole sequence (classification); a model that is
     *                causal by construction ignores false
     * @param mask    {@code (batch, length)} of 1 for real positions and 0 for padding, which the
     *                blocks must not attend to; null when nothing is padded
     * @return the output rows {@code (batch*length, width)}, after the final normalisation
     */
    SDVariable apply(SameDiff sd, Map<String, SDVariable> weights, SDVariable rows, int batch, int length, boolean causal,
                     @Nullable SDVariable mask);

    /** An estimate of the activation memory of one forward pass, in bytes. */
    long estimateForwardBytes(int batch, int length);
}
