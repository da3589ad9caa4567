package org.ssm4j.experiments.domains;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jspecify.annotations.Nullable;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.datasets.Batch;
import org.ssm4j.datasets.BatchOptions;
import org.ssm4j.datasets.BatchSource;
import org.ssm4j.datasets.text.LanguageModelWindows;
import org.ssm4j.datasets.text.TextConverter;
import org.ssm4j.datasets.text.TokenDataset;
import org.ssm4j.experiments.config.ByteLanguageModelConfig;
import org.ssm4j.experiments.eval.EvaluationSet;
import org.ssm4j.experiments.eval.Evaluator;
import org.ssm4j.experiments.eval.LossGraph;
import org.ssm4j.experiments.models.MambaSequenceModel;
import org.ssm4j.experiments.models.ModelGraph;
import org.ssm4j.experiments.models.SequenceModel;
import org.ssm4j.experiments.models.SequenceModels;
import org.ssm4j.experiments.monitor.PositionLayout;
import org.ssm4j.experiments.monitor.ProbeInput;
import org.ssm4j.experiments.monitor.SelectivityProbe;
import org.ssm4j.experiments.monitor.SelectivityReport;
import org.ssm4j.experiments.report.Charts;
import org.ssm4j.experiments.report.Formats;
import org.ssm4j.experiments.report.MarkdownTable;
import org.ssm4j.experiments.report.ReportSection;
import org.ssm4j.experiments.tasks.TaskBatch;
import org.ssm4j.experiments.tasks.TaskStream;
import org.ssm4j.experiments.tasks.NextTokenTask;
import org.ssm4j.experiments.train.DatasetTrainingBatches;
import org.ssm4j.experiments.train.TaskContext;
import org.ssm4j.experiments.train.TrainingBatches;
import org.ssm4j.experiments.train.TrainingGraph;
import org.ssm4j.mamba.generate.GenerationOptions;
import org.ssm4j.mamba.generate.GenerationResult;
import org.ssm4j.mamba.generate.Generator;
import org.ssm4j.mamba.generate.RecurrentMamba;
import org.ssm4j.mamba.generate.SamplingOptions;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Byte-level language modelling on a corpus: a next-token model over the 256 byte values,
 * trained on shuffled non-overlapping windows of {@code length} bytes of the corpus' training
 * split (its first 90%) with the mean cross-entropy over every position, and evaluated on
 * windows of the validation split (its last 10%).
 *
 * <p>The evaluation set at a length is the validation split cut into non-overlapping
 * windows; an evaluation of {@code samples} windows takes that many spread evenly over the
 * split (all of them when there are fewer), the same ones every time.
 *
 * <p>The training stream is the datasets module's seeded epoch order; its checkpointed state
 * is the seed and the number of batches drawn, from which {@link BatchSource#stateAfter}
 * restores the position.
 */
public final class ByteLanguageModelTask extends NextTokenTask {

    /** Token ids of byte-level text. */
    public static final int VOCAB_SIZE = 256;

    /** Bits per byte against the step, in a run directory. */
    public static final String BITS_PER_BYTE_PNG = "bits_per_byte.png";
    /** The most bytes of the Δ heat map. */
    public static final int PROBE_LENGTH = 256;
    /** Bytes of the generated sample's prompt. */
    public static final int SAMPLE_PROMPT = 64;
    /** Bytes the generated sample adds. */
    public static final int SAMPLE_BYTES = 300;

    private final TokenDataset train;
    private final TokenDataset validation;

    private ByteLanguageModelTask(TokenDataset train, TokenDataset validation, int length, TaskContext context) {
        this(train, validation, length, SequenceModels.create(context.model(), VOCAB_SIZE, context.seed()), context);
    }

    private ByteLanguageModelTask(TokenDataset train, TokenDataset validation, int length, SequenceModel model,
                                  TaskContext context) {
        super(length, model, new Evaluator(model, validationWindows(validation), context.evalBatchSize(),
                context.maxForwardBytes()));
        this.train = train;
        this.validation = validation;
    }

    /**
     * Prepares the corpus if needed, opens its splits and builds the model.
     *
     * @throws IllegalArgumentException if the corpus is missing or not byte-level
     */
    public static ByteLanguageModelTask open(ByteLanguageModelConfig config, TaskContext context) {
        StandardDataset corpus = config.corpus();
        Path dir = PreparedData.prepare(corpus, DataDirectories.dataDirectory(config.dataDir()),
                DataDirectories.preparedDirectory(config.cacheDir(), context.runDir(), corpus));
        TokenDataset train = TokenDataset.open(dir.resolve(TextConverter.TRAIN_FILE));
        TokenDataset validation = null;
        try {
            validation = TokenDataset.open(dir.resolve(TextConverter.VALIDATION_FILE));
            for (TokenDataset split : new TokenDataset[]{train, validation}) {
                if (split.vocabSize() != VOCAB_SIZE) {
                    throw new IllegalArgumentException(split.path() + " has a vocabulary of " + split.vocabSize()
                            + " tokens (tokenizer " + split.tokenizer() + "); byte_lm needs " + VOCAB_SIZE + " byte values");
                }
            }
            return new ByteLanguageModelTask(train, validation, config.length(), context);
        } catch (RuntimeException e) {
            train.close();
            if (validation != null) {
                validation.close();
            }
            throw e;
        }
    }

    @Override
    public TrainingBatches trainingBatches(TrainingGraph graph, long seed, TaskStream.@Nullable State resumeFrom) {
        LossGraph loss = trainingLoss(graph);
        BatchSource source = LanguageModelWindows.batches(train, length(), BatchOptions.training(graph.batchSize(), seed));
        return DatasetTrainingBatches.open(source, seed, resumeFrom, batch -> loss.feeds(taskBatch(batch)));
    }

    /**
     * Bits per byte during training ({@value #BITS_PER_BYTE_PNG}) and at each final length, and,
     * for a Mamba model, the selectivity of Δ over the first validation window (at most
     * {@value #PROBE_LENGTH} bytes of it).
     */
    @Override
    public List<ReportSection> analyse(Path runDir, List<ObjectNode> metrics) {
        Charts.writeLineChart(runDir.resolve(BITS_PER_BYTE_PNG), "Bits per byte: " + model().config().name(), "step",
                Charts.Scale.LINEAR, "bits per byte", Charts.Scale.LINEAR,
                List.of(bitsPerByte("training batch", metrics, "train", false), bitsPerByte("validation", metrics, "eval", true)));
        MarkdownTable table = new MarkdownTable(List.of("context length", "validation windows", "bits per byte",
                "next-byte accuracy"));
        metrics.stream().filter(r -> "final_eval".equals(r.path("type").asText())).forEach(r -> table.row(
                r.has("skipped") ? List.of(r.path("length").asText(), r.path("samples").asText(), "skipped: " + r.path("skipped").asText(), "—")
                        : List.of(r.path("length").asText(), r.path("samples").asText(),
                        String.format(Locale.ROOT, "%.4f", r.path("loss").asDouble() / Math.log(2)), Formats.accuracy(r.path("accuracy").asDouble()))));
        List<ReportSection> sections = new ArrayList<>();
        sections.add(new ReportSection("Bits per byte", "Validation: the last 10% of the corpus, in non-overlapping windows "
                + "of each length; bits per byte = cross-entropy in nats / ln 2.\n\n" + table.toMarkdown() + "\n"
                + ReportSection.plot("Bits per byte during training", BITS_PER_BYTE_PNG)));
        if (model() instanceof MambaSequenceModel mamba && mamba.weights().hasSelectiveMixers()) {
            sections.add(sample(mamba));
        }
        int probeLength = Math.min(length(), PROBE_LENGTH);
        ModelGraph one = model().buildGraph(1, probeLength);
        if (SelectivityProbe.applies(one.sameDiff())) {
            TaskBatch window = validationWindows(validation).open(probeLength, 1).next(1);
            String[] characters = new String[probeLength];
            for (int t = 0; t < probeLength; t++) {
                characters[t] = PositionLayout.Text.label(window.inputs()[t]);
            }
            sections.add(SelectivityReport.write(runDir, new ProbeInput(one.sameDiff(),
                    Map.of(one.inputName(), Nd4j.createFromArray(window.inputs()).reshape(1, probeLength)
                            .castTo(one.sameDiff().getVariable(one.inputName()).dataType())),
                    "the first " + probeLength + " bytes of the validation split", new PositionLayout.Text(characters, 64))));
        }
        return sections;
    }

    /**
     * Text the trained Mamba writes after the first {@value #SAMPLE_PROMPT} bytes of the
     * validation split (temperature 0.8, seed 1), through samediff-mamba's recurrent
     * generation: the path {@code ./mamba generate} takes on the exported model.
     */
    private ReportSection sample(MambaSequenceModel mamba) {
        int[] prompt = new int[SAMPLE_PROMPT];
        validation.read(0, prompt, 0, SAMPLE_PROMPT);
        GenerationResult result;
        try (RecurrentMamba recurrent = RecurrentMamba.create(mamba.weights())) {
            result = new Generator(recurrent).generate(prompt, GenerationOptions.greedy(SAMPLE_BYTES)
                    .withSampling(SamplingOptions.temperature(0.8f).withSeed(1)));
        }
        String promptText = new String(bytes(prompt), StandardCharsets.UTF_8);
        String generated = new String(bytes(result.newTokens(0)), StandardCharsets.UTF_8);
        return new ReportSection("Generated text", String.format(Locale.ROOT, "%d bytes sampled from the trained model "
                + "(temperature 0.8, seed 1) after the first %d bytes of the validation split, by samediff-mamba's recurrent "
                + "generation at %.0f bytes/s. The same text comes from `./mamba export --model checkpoint.safetensors "
                + "--format huggingface --to hf` and `./mamba generate --model hf --prompt-ids ... --max-new-tokens %d "
                + "--temperature 0.8 --seed 1`.%n%n```text%n%s%n```%n%nGenerated:%n%n```text%n%s%n```%n", SAMPLE_BYTES,
                SAMPLE_PROMPT, result.tokensPerSecond(), SAMPLE_BYTES, promptText.replace("```", "'''"),
                generated.replace("```", "'''")));
    }

    private static byte[] bytes(int[] ids) {
        byte[] bytes = new byte[ids.length];
        for (int i = 0; i < ids.length; i++) {
            bytes[i] = (byte) ids[i];
        }
        return bytes;
    }

    private static Charts.Series bitsPerByte(String name, List<ObjectNode> metrics, String type, boolean points) {
        List<ObjectNode> records = metrics.stream().filter(r -> type.equals(r.path("type").asText()) && r.has("loss")).toList();
        return new Charts.Series(name, records.stream().mapToDouble(r -> r.path("step").asDouble()).toArray(),
                records.stream().mapToDouble(r -> r.path("loss").asDouble() / Math.log(2)).toArray(), points);
    }

    /** A batch of windows as token sequences whose every position is scored. */
    static TaskBatch taskBatch(Batch batch) {
        int size = batch.size();
        int windowLength = (int) batch.features().size(1);
        return new TaskBatch(size, windowLength, batch.features().dup('c').data().asInt(),
                batch.labels().dup('c').data().asInt());
    }

    /** The validation split as an evaluation set: per length, non-overlapping windows spread evenly over the split. */
    static EvaluationSet validationWindows(TokenDataset validation) {
        return new EvaluationSet() {
            @Override
            public String name() {
                return validation.path().toString();
            }

            @Override
            public int vocabSize() {
                return VOCAB_SIZE;
            }

            @Override
            public Sequences open(int length, int samples) {
                LanguageModelWindows windows = new LanguageModelWindows(validation, length, length);
                int count = Math.min(samples, windows.exampleCount());
                return new Sequences() {
                    private int taken;

                    @Override
                    public int count() {
                        return count;
                    }

                    @Override
                    public TaskBatch next(int n) {
                        int[] chosen = new int[n];
                        for (int i = 0; i < n; i++) {
                            chosen[i] = (int) ((long) (taken + i) * windows.exampleCount() / count);
                        }
                        taken += n;
                        return taskBatch(windows.collate(chosen));
                    }
                };
            }
        };
    }

    @Override
    public void close() {
        try {
            train.close();
        } finally {
            validation.close();
        }
    }
}
