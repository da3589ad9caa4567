package org.ssm4j.datasets.text;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.types.pojo.Schema;
import org.ssm4j.datasets.DatasetCard;
import org.ssm4j.datasets.FileDigests;
import org.ssm4j.datasets.ProgressListener;
import org.ssm4j.datasets.arrow.ArrowDatasetWriter;

/**
 * Converts text files into token files: the inputs are tokenized in order into one stream, the
 * last {@code validationFraction} of which becomes {@code validation.arrow} and the rest
 * {@code train.arrow} (see {@link TokenDataset} for the layout), plus a {@link DatasetCard}.
 */
public final class TextConverter {

    /** The training split's file name. */
    public static final String TRAIN_FILE = "train.arrow";
    /** The validation split's file name. */
    public static final String VALIDATION_FILE = "validation.arrow";

    private TextConverter() {
    }

    /**
     * @param preparation inputs, output, tokenizer and split
     * @param progress told about the bytes tokenized and the tokens written
     * @return the card written beside the token files
     */
    public static DatasetCard convert(TextPreparation preparation, ProgressListener progress) {
        List<Path> files = inputFiles(preparation.inputs());
        try (TextTokenizer tokenizer = preparation.tokenizer() == null
                ? new ByteTokenizer() : HuggingFaceTextTokenizer.load(preparation.tokenizer())) {
            List<DatasetCard.InputFile> inputs = new ArrayList<>();
            List<int[]> streams = new ArrayList<>();
            long totalBytes = 0;
            for (Path file : files) {
                totalBytes += size(file);
            }
            progress.begin("tokenizing (" + tokenizer.description() + ")", totalBytes, "B");
            for (Path file : files) {
                byte[] content = read(file);
                inputs.add(DatasetCard.InputFile.of(file, content));
                streams.add(tokenizer.encode(content, file, progress));
            }
            progress.end();
            if (preparation.tokenizer() != null) {
                inputs.add(DatasetCard.InputFile.of(preparation.tokenizer()));
            }
            return write(preparation, tokenizer, inputs, streams, progress);
        }
    }

    private static DatasetCard write(TextPreparation preparation, TextTokenizer tokenizer,
                                     List<DatasetCard.InputFile> inputs, List<int[]> streams,
                                     ProgressListener progress) {
        long total = 0;
        for (int[] stream : streams) {
            total += stream.length;
        }
        long validation = Math.round(total * preparation.validationFraction());
        if (preparation.validationFraction() > 0 && validation == 0) {
            throw new IllegalArgumentException("a validation fraction of " + preparation.validationFraction()
                    + " of " + total + " tokens leaves no validation token");
        }
        long train = total - validation;
        if (train == 0) {
            throw new IllegalArgumentException("the inputs hold " + total + " tokens: none left for training");
        }
        Schema schema = TokenDataset.schema(tokenizer.description(), tokenizer.vocabSize());
        Path outputDir = preparation.outputDir();
        progress.begin("writing token files", total, "tokens");
        TokenCursor cursor = new TokenCursor(streams);
        List<DatasetCard.SplitFile> splits = new ArrayList<>();
        splits.add(writeSplit("train", outputDir.resolve(TRAIN_FILE), schema, cursor, train,
                preparation.tokensPerBatch(), progress));
        if (validation > 0) {
            splits.add(writeSplit("validation", outputDir.resolve(VALIDATION_FILE), schema, cursor, validation,
                    preparation.tokensPerBatch(), progress));
        }
        progress.end();

        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("tokenizer", tokenizer.description());
        properties.put("vocab_size", Integer.toString(tokenizer.vocabSize()));
        properties.put("validation_fraction", Double.toString(preparation.validationFraction()));
        properties.put("tokens_per_record_batch", Integer.toString(preparation.tokensPerBatch()));
        DatasetCard card = DatasetCard.of(
                outputDir,
                "tokens",
                "The input text files tokenized (" + tokenizer.description() + ") and concatenated in order;"
                        + " the last " + preparation.validationFraction() + " of the tokens form the validation"
                        + " split. One int32 column '" + TokenDataset.FIELD + "' in stream order.",
                preparation.provenance(),
                schema,
                properties,
                inputs,
                splits);
        card.writeTo(outputDir);
        return card;
    }

    private static DatasetCard.SplitFile writeSplit(String split, Path target, Schema schema, TokenCursor cursor,
                                                    long count, int tokensPerBatch, ProgressListener progress) {
        try (ArrowDatasetWriter writer = ArrowDatasetWriter.create(target, schema)) {
            IntVector ids = (IntVector) writer.root().getVector(TokenDataset.FIELD);
            long remaining = count;
            while (remaining > 0) {
                int rows = (int) Math.min(remaining, tokensPerBatch);
                ids.allocateNew(rows);
                for (int i = 0; i < rows; i++) {
                    ids.set(i, cursor.next());
                }
                writer.writeBatch(rows);
                progress.advance(rows);
                remaining -= rows;
            }
            writer.commit();
        }
        return new DatasetCard.SplitFile(split, target.getFileName().toString(), count, FileDigests.sha256(target),
                Map.of("tokens", count));
    }

    /** The given files, with each directory replaced by its {@code *.txt} files sorted by name. */
    static List<Path> inputFiles(List<Path> inputs) {
        List<Path> files = new ArrayList<>();
        for (Path input : inputs) {
            if (Files.isDirectory(input)) {
                try (Stream<Path> entries = Files.list(input)) {
                    List<Path> texts = entries.filter(p -> p.getFileName().toString().endsWith(".txt"))
                            .filter(Files::isRegularFile).sorted().toList();
                    if (texts.isEmpty()) {
                        throw new IllegalArgumentException("input directory " + input + " holds no *.txt file");
                    }
                    files.addAll(texts);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list " + input, e);
                }
            } else if (Files.isRegularFile(input)) {
                files.add(input);
            } else {
                throw new IllegalArgumentException("input text file or directory does not exist: " + input);
            }
        }
        return files;
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Walks the concatenation of the files' token arrays. */
    private static final class TokenCursor {
        private final List<int[]> streams;
        private int stream;
        private int index;

        TokenCursor(List<int[]> streams) {
            this.streams = streams;
        }

        int next() {
            while (index == streams.get(stream).length) {
                stream++;
                index = 0;
            }
            return streams.get(stream)[index++];
        }
    }
}
