package org.ssm4j.experiments.eval;

import org.ssm4j.experiments.tasks.TaskBatch;

/**
 * The token sequences an {@link Evaluator} scores: the same sequences at every evaluation of
 * a run, whatever the batch size.
 */
public interface EvaluationSet {

    /** What the set is, for messages (a task name, a file). */
    String name();

    /** Token ids the sequences use. */
    int vocabSize();

    /**
     * The set's sequences of {@code length} tokens, at most {@code samples} of them.
     *
     * @throws IllegalArgumentException if the set has no sequence of that length
     */
    Sequences open(int length, int samples);

    /** One pass over an evaluation set at one length. */
    interface Sequences {

        /** How many sequences the pass holds. */
        int count();

        /** The next {@code n} sequences, as a batch with their answers. */
        TaskBatch next(int n);
    }
}
