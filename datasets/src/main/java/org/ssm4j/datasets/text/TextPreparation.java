package org.ssm4j.datasets.text;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.ssm4j.datasets.Provenance;

/**
 * What {@link TextConverter} converts and how.
 *
 * @param inputs text files, or directories whose {@code *.txt} files (sorted by name) are used;
 *     concatenated in this order into one token stream
 * @param outputDir where {@code train.arrow}, {@code validation.arrow} and the card go
 * @param tokenizer a Hugging Face {@code tokenizer.json}, or {@code null} for byte-level tokens
 * @param validationFraction the share of the stream, taken from its end, that becomes the
 *     validation split; 0 for none; below 1
 * @param tokensPerBatch tokens per Arrow record batch
 * @param provenance the creation command and license for the card
 */
public record TextPreparation(
        List<Path> inputs,
        Path outputDir,
        @Nullable Path tokenizer,
        double validationFraction,
        int tokensPerBatch,
        Provenance provenance) {

    /** The default validation share: the last 10% of the tokens. */
    public static final double DEFAULT_VALIDATION_FRACTION = 0.1;
    /** The default record batch size: 1 Mi tokens (4 MiB). */
    public static final int DEFAULT_TOKENS_PER_BATCH = 1 << 20;

    public TextPreparation {
        inputs = List.copyOf(inputs);
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("no input text files given");
        }
        Objects.requireNonNull(outputDir, "outputDir");
        Objects.requireNonNull(provenance, "provenance");
        if (!(validationFraction >= 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in [0, 1), got " + validationFraction);
        }
        if (tokensPerBatch < 1) {
            throw new IllegalArgumentException("tokens per batch must be >= 1, got " + tokensPerBatch);
        }
    }

    /**
     * The defaults: last 10% for validation, 1 Mi tokens per record batch.
     *
     * @param inputs text files or directories
     * @param outputDir the output directory
     * @param tokenizer a {@code tokenizer.json}, or {@code null} for bytes
     * @param provenance the creation command and license
     * @return the preparation
     */
    public static TextPreparation of(List<Path> inputs, Path outputDir, @Nullable Path tokenizer,
                                     Provenance provenance) {
        return new TextPreparation(inputs, outputDir, tokenizer, DEFAULT_VALIDATION_FRACTION,
                DEFAULT_TOKENS_PER_BATCH, provenance);
    }
}
