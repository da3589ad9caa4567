package org.ssm4j.mamba.graph;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reshapes between the sequence form (batch, length, width) and the flat form
 * (batch·length, width) that SameDiff's 2-D matrix products need (it has no rank-3 × rank-2
 * product). Batch and length are read at run time from the token ids or the input sequence.
 */
final class Shapes {

    private final SameDiff sd;
    private final SDVariable batchAndLength;

    private Shapes(SameDiff sd, SDVariable batchAndLength) {
        this.sd = sd;
        this.batchAndLength = batchAndLength.castTo(DataType.INT64);
    }

    /** Shapes whose batch and length are those of (batch, length) token ids. */
    static Shapes ofIds(SameDiff sd, SDVariable inputIds) {
        return new Shapes(sd, sd.shape(inputIds));
    }

    /** Shapes whose batch and length are those of a (batch, length, width) sequence. */
    static Shapes ofSequence(SameDiff sd, SDVariable sequence) {
        return new Shapes(sd, sd.stridedSlice(sd.shape(sequence), new long[]{0}, new long[]{2}, new long[]{1}));
    }

    /** (batch, length, width) → (batch·length, width). */
    SDVariable flat(SDVariable sequence, long width) {
        return sd.reshape(sequence, -1, width);
    }

    /** (batch·length, width) → (batch, length, width). */
    SDVariable sequence(SDVariable flat, long width) {
        return sd.reshape(flat, sequenceShape(width));
    }

    /** The shape (batch·length, width) as an INT64 vector, for ops that create arrays. */
    SDVariable flatShape(long width) {
        return sd.concat(0, sd.prod(batchAndLength, true, 0), sd.constant(Nd4j.createFromArray(width)));
    }

    /** The shape (batch, length, trailing...) as an INT64 vector, for ops that create arrays. */
    SDVariable sequenceShape(long... trailing) {
        return sd.concat(0, batchAndLength, sd.constant(Nd4j.createFromArray(trailing)));
    }
}
