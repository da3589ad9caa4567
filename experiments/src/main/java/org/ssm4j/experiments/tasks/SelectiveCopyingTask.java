package org.ssm4j.experiments.tasks;

import java.util.Arrays;

/**
 * Selective Copying (Gu and Dao, "Mamba", 2023, §3.1 and §4.1.1; generator of the S4
 * repository's {@code copying.py} with {@code variable=True}, which the paper uses).
 *
 * <p>A sequence of {@code length} tokens is a noise region of {@code length - dataTokens}
 * positions, in which {@code dataTokens} data tokens sit at distinct random positions (in
 * increasing order, the rest is the noise token), followed by {@code dataTokens} marker
 * tokens. At the i-th marker the model must output the i-th data token: it has to remember
 * the data tokens in order while ignoring the noise, whose spacing varies from sequence to
 * sequence. Token ids: {@value #NOISE} is the noise token, {@code vocabSize - 1} the marker,
 * {@code 1 .. vocabSize - 2} the data tokens. The paper's setting is a vocabulary of 16 and
 * 16 data tokens.
 */
public final class SelectiveCopyingTask implements SyntheticTask {

    /** Config name of this task. */
    public static final String NAME = "selective_copying";
    /** Token id of the noise ("blank") token. */
    public static final int NOISE = 0;

    private final int vocabSize;
    private final int dataTokens;

    /**
     * @param vocabSize  number of token ids, at least 3 (noise, marker, one data token)
     * @param dataTokens number of tokens to memorise per sequence, at least 1
     */
    public SelectiveCopyingTask(int vocabSize, int dataTokens) {
        if (vocabSize < 3) {
            throw new IllegalArgumentException("selective_copying needs vocab_size >= 3 (noise, marker, data), got " + vocabSize);
        }
        if (dataTokens < 1) {
            throw new IllegalArgumentException("selective_copying needs data_tokens >= 1, got " + dataTokens);
        }
        this.vocabSize = vocabSize;
        this.dataTokens = dataTokens;
    }

    /** Token id of the marker after which the data tokens are asked for. */
    public int marker() {
        return vocabSize - 1;
    }

    /** Number of data tokens per sequence. */
    public int dataTokens() {
        return dataTokens;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    /** The noise region must hold all data tokens, followed by as many markers. */
    @Override
    public int minimumLength() {
        return 2 * dataTokens;
    }

    @Override
    public void generate(int length, SplitMix64 rng, int[] inputs, int[] targets, int offset) {
        int region = length - dataTokens;
        int[] positions = distinctSorted(dataTokens, region, rng);
        Arrays.fill(inputs, offset, offset + region, NOISE);
        Arrays.fill(targets, offset, offset + length, TaskBatch.NO_ANSWER);
        for (int i = 0; i < dataTokens; i++) {
            int token = 1 + rng.nextInt(vocabSize - 2);
            inputs[offset + positions[i]] = token;
            inputs[offset + region + i] = marker();
            targets[offset + region + i] = token;
        }
    }

    /** {@code k} distinct values of {@code [0, n)} in increasing order (Floyd's sampling). */
    private static int[] distinctSorted(int k, int n, SplitMix64 rng) {
        int[] chosen = new int[k];
        int count = 0;
        for (int j = n - k; j < n; j++) {
            int t = rng.nextInt(j + 1);
            chosen[count++] = contains(chosen, count - 1, t) ? j : t;
        }
        Arrays.sort(chosen);
        return chosen;
    }

    private static boolean contains(int[] values, int count, int value) {
        for (int i = 0; i < count; i++) {
            if (values[i] == value) {
                return true;
            }
        }
        return false;
    }
}
