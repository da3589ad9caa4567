package org.ssm4j.experiments.tasks;

import java.util.Arrays;

/**
 * Induction Heads (Gu and Dao, "Mamba", 2023, §4.1.2; the generator of Fu et al.'s H3 and
 * Poli et al.'s Hyena experiments, {@code generate_induction_head} in HazyResearch/safari).
 *
 * <p>A sequence of {@code length} tokens is random content tokens in which, once, a trigger
 * token is followed by the token to recall; the sequence ends with the trigger again, and at
 * that last position the model must output the token that followed the first trigger.
 * Only that position is scored. Token ids: {@code 0 .. vocabSize - 3} are content tokens,
 * {@code vocabSize - 2} is the reference's no-op token (never generated here; kept so that a
 * vocabulary of 16 has the reference's 14 content tokens), {@code vocabSize - 1} the trigger.
 * The paper trains at length 256 and tests at 2^6 .. 2^20.
 */
public final class InductionHeadsTask implements SyntheticTask {

    /** Config name of this task. */
    public static final String NAME = "induction_heads";

    private final int vocabSize;

    /** @param vocabSize number of token ids, at least 3 (trigger, no-op, one content token) */
    public InductionHeadsTask(int vocabSize) {
        if (vocabSize < 3) {
            throw new IllegalArgumentException("induction_heads needs vocab_size >= 3 (trigger, no-op, content), got " + vocabSize);
        }
        this.vocabSize = vocabSize;
    }

    /** Token id of the trigger that precedes the token to recall and ends the sequence. */
    public int trigger() {
        return vocabSize - 1;
    }

    /** Number of distinct content tokens (chance accuracy is one over this). */
    public int contentTokens() {
        return vocabSize - 2;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    /** Trigger, recalled token, at least one more content token, final trigger. */
    @Override
    public int minimumLength() {
        return 4;
    }

    @Override
    public void generate(int length, SplitMix64 rng, int[] inputs, int[] targets, int offset) {
        for (int i = 0; i < length - 1; i++) {
            inputs[offset + i] = rng.nextInt(contentTokens());
        }
        // As the reference: the trigger sits in [0, length - 3), so at least one other content
        // token lies between the recalled token and the final trigger.
        int position = rng.nextInt(length - 3);
        inputs[offset + position] = trigger();
        inputs[offset + length - 1] = trigger();
        Arrays.fill(targets, offset, offset + length, TaskBatch.NO_ANSWER);
        targets[offset + length - 1] = inputs[offset + position + 1];
    }
}
