package org.ssm4j.datasets.text;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.datasets.Batch;
import org.ssm4j.datasets.BatchOptions;
import org.ssm4j.datasets.BatchSource;
import org.ssm4j.datasets.EpochBatches;
import org.ssm4j.datasets.ExampleCollator;

/**
 * Fixed-length windows of a token stream for language modelling. Window {@code w} starts at
 * token {@code w * stride} and covers {@code length + 1} tokens: the first {@code length} are
 * the inputs, the last {@code length} the next-token targets. Windows are the examples that
 * {@link EpochBatches} shuffles and batches; batches are {@code INT [batch, length]} features
 * and labels with all-ones {@code FLOAT [batch, length]} masks.
 */
public final class LanguageModelWindows implements ExampleCollator {

    private final TokenDataset tokens;
    private final int length;
    private final int stride;
    private final int windows;

    /**
     * @param tokens the token stream
     * @param length inputs per window
     * @param stride tokens between window starts ({@code length} for non-overlapping windows)
     * @throws IllegalArgumentException if the stream is shorter than one window
     */
    public LanguageModelWindows(TokenDataset tokens, int length, int stride) {
        if (length < 1 || stride < 1) {
            throw new IllegalArgumentException("window length and stride must be >= 1, got " + length
                    + " and " + stride);
        }
        if (tokens.size() < length + 1L) {
            throw new IllegalArgumentException(tokens.path() + " holds " + tokens.size()
                    + " tokens, fewer than one window of " + length + " inputs + 1 target");
        }
        long count = (tokens.size() - 1 - length) / stride + 1;
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(count + " windows exceed " + Integer.MAX_VALUE
                    + "; use a larger stride");
        }
        this.tokens = tokens;
        this.length = length;
        this.stride = stride;
        this.windows = (int) count;
    }

    /**
     * @param tokens the token stream
     * @param length inputs per window
     * @param options batching
     * @return non-overlapping windows as a batch source
     */
    public static BatchSource batches(TokenDataset tokens, int length, BatchOptions options) {
        return new EpochBatches(new LanguageModelWindows(tokens, length, length), options);
    }

    @Override
    public int exampleCount() {
        return windows;
    }

    /** @return the position of window {@code window}'s first token */
    public long windowStart(int window) {
        return (long) window * stride;
    }

    @Override
    public Batch collate(int[] examples) {
        int batch = examples.length;
        int[] window = new int[length + 1];
        int[] inputs = new int[batch * length];
        int[] targets = new int[batch * length];
        for (int b = 0; b < batch; b++) {
            tokens.read(windowStart(examples[b]), window, 0, length + 1);
            System.arraycopy(window, 0, inputs, b * length, length);
            System.arraycopy(window, 1, targets, b * length, length);
        }
        return new Batch(
                Nd4j.createFromArray(inputs).reshape(batch, length),
                Nd4j.createFromArray(targets).reshape(batch, length),
                Nd4j.ones(DataType.FLOAT, batch, length),
                Nd4j.ones(DataType.FLOAT, batch, length));
    }
}
