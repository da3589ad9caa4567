package org.ssm4j.experiments.classify;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jspecify.annotations.Nullable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.datasets.Batch;
import org.ssm4j.datasets.BatchOptions;
import org.ssm4j.datasets.BatchSource;
import org.ssm4j.datasets.EpochBatches;
import org.ssm4j.datasets.ExampleCollator;
import org.ssm4j.experiments.eval.EvalResult;
import org.ssm4j.experiments.monitor.ProbeInput;
import org.ssm4j.experiments.monitor.SelectivityProbe;
import org.ssm4j.experiments.monitor.SelectivityReport;
import org.ssm4j.experiments.report.Charts;
import org.ssm4j.experiments.report.ReportSection;
import org.ssm4j.experiments.tasks.TaskStream;
import org.ssm4j.experiments.train.DatasetTrainingBatches;
import org.ssm4j.experiments.train.TaskContext;
import org.ssm4j.experiments.train.TrainingBatches;
import org.ssm4j.experiments.train.TrainingGraph;
import org.ssm4j.experiments.train.TrainingTask;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Sequence classification: a {@link SequenceClassifier} trained on the shuffled examples of a
 * training split with the mean cross-entropy over classes, evaluated on a test split
 * (accuracy, and the loss). One example is one sequence, so "tokens" per second counts its
 * positions.
 *
 * <p>The evaluation set is the test split; an evaluation of {@code samples} examples takes
 * that many spread evenly over it (all of it when it has fewer), the same ones every time.
 * The training stream is the datasets module's seeded epoch order, checkpointed as the seed
 * and the number of batches drawn. The task owns the splits: closing it closes them.
 */
public final class ClassificationTask implements TrainingTask {

    /** Test accuracy against the step, in a run directory. */
    public static final String ACCURACY_CURVE_PNG = "accuracy_curve.png";

    private final LabelledSequences train;
    private final LabelledSequences test;
    private final Pooling pooling;
    private final SequenceClassifier model;
    private final int evalBatchSize;
    private final long maxForwardBytes;
    private final boolean padded;
    private final Map<Integer, ClassifierGraph> evalGraphs = new HashMap<>();
    private @Nullable ClassifierGraph trainingGraph;

    /**
     * @param train   the training split
     * @param test    the evaluation split, of the same length, channels and classes
     * @param pooling how positions are pooled
     * @param context the run (model config, seed, evaluation settings)
     */
    public ClassificationTask(LabelledSequences train, LabelledSequences test, Pooling pooling, TaskContext context) {
        if (train.length() != test.length() || train.channels() != test.channels() || train.classes() != test.classes()) {
            throw new IllegalArgumentException("splits differ: " + train.name() + " has " + shape(train) + ", "
                    + test.name() + " has " + shape(test));
        }
        this.train = train;
        this.test = test;
        this.pooling = pooling;
        this.model = new SequenceClassifier(context.model(), train.channels(), train.classes(), context.seed(), DataType.FLOAT);
        this.evalBatchSize = context.evalBatchSize();
        this.maxForwardBytes = context.maxForwardBytes();
        this.padded = train.padded() || test.padded();
    }

    private static String shape(LabelledSequences s) {
        return "length " + s.length() + ", " + s.channels() + " channels, " + s.classes() + " classes";
    }

    @Override
    public SequenceClassifier model() {
        return model;
    }

    @Override
    public int length() {
        return train.length();
    }

    /** The pooling of the classifier's positions. */
    public Pooling pooling() {
        return pooling;
    }

    @Override
    public TrainingGraph trainingGraph(int batchSize) {
        trainingGraph = model.buildGraph(batchSize, train.length(), padded);
        return new TrainingGraph(trainingGraph.sameDiff(), trainingGraph.loss().name(), batchSize, train.length());
    }

    @Override
    public TrainingBatches trainingBatches(TrainingGraph graph, long seed, TaskStream.@Nullable State resumeFrom) {
        ClassifierGraph classifier = trainingGraph;
        if (classifier == null || classifier.sameDiff() != graph.sameDiff()) {
            throw new IllegalArgumentException("graph was not built by this task's trainingGraph");
        }
        BatchSource source = new EpochBatches(collator(train), BatchOptions.training(graph.batchSize(), seed));
        return DatasetTrainingBatches.open(source, seed, resumeFrom, batch -> feeds(classifier, batch));
    }

    /** The placeholder values of {@code graph} for a batch of examples. */
    Map<String, INDArray> feeds(ClassifierGraph graph, Batch batch) {
        int size = batch.size();
        int length = graph.length();
        if (size != graph.batch() || batch.features().size(1) != length) {
            throw new IllegalArgumentException("graph was built for batches of " + graph.batch() + " x " + length + ", got "
                    + size + " x " + batch.features().size(1));
        }
        float[] mask = batch.featuresMask().dup('c').data().asFloat();
        int[] labels = batch.labels().dup('c').data().asInt();
        float[] targets = new float[size * model.classes()];
        for (int b = 0; b < size; b++) {
            targets[b * model.classes() + labels[b]] = 1f / size;
        }
        Map<String, INDArray> feeds = new LinkedHashMap<>();
        feeds.put(graph.featuresName(), batch.features());
        feeds.put(graph.poolWeightsName(), Nd4j.create(pooling.weights(mask, size, length), new long[]{size, length}, 'c'));
        if (graph.maskName() != null) {
            feeds.put(graph.maskName(), batch.featuresMask());
        }
        feeds.put(graph.targetsName(), Nd4j.create(targets, new long[]{size, model.classes()}, 'c'));
        return feeds;
    }

    @Override
    public long estimateForwardBytes(int batch, int length) {
        return model.estimateForwardBytes(batch, length);
    }

    @Override
    public EvalResult evaluate(int length, int samples) {
        if (length != test.length()) {
            throw new IllegalArgumentException("the sequences of " + test.name() + " have length " + test.length()
                    + ", fixed by the data; cannot evaluate at length " + length);
        }
        if (samples <= 0) {
            throw new IllegalArgumentException("samples must be positive, got " + samples);
        }
        int count = Math.min(samples, test.size());
        long needed = model.estimateForwardBytes(Math.min(evalBatchSize, count), length);
        if (needed > maxForwardBytes) {
            return EvalResult.skipped(length, count, String.format("needs about %,d MiB of activations, above the limit of %,d MiB",
                    needed >> 20, maxForwardBytes >> 20));
        }
        ExampleCollator collator = collator(test);
        double lossSum = 0;
        long correct = 0;
        long forwardNanos = 0;
        for (int done = 0; done < count; ) {
            int n = Math.min(evalBatchSize, count - done);
            int[] chosen = new int[n];
            for (int i = 0; i < n; i++) {
                chosen[i] = (int) ((long) (done + i) * test.size() / count);
            }
            Batch batch = collator.collate(chosen);
            ClassifierGraph graph = evalGraphs.computeIfAbsent(n, b -> model.buildGraph(b, length, padded));
            Map<String, INDArray> feeds = feeds(graph, batch);
            long start = System.nanoTime();
            Map<String, INDArray> out = graph.sameDiff().output(feeds, graph.logits().name(), graph.loss().name());
            forwardNanos += System.nanoTime() - start;
            lossSum += out.get(graph.loss().name()).getDouble(0) * n;
            correct += countCorrect(out.get(graph.logits().name()), batch.labels().dup('c').data().asInt());
            done += n;
        }
        return new EvalResult(length, count, lossSum / count, (double) correct / count,
                (double) count * length / (forwardNanos / 1e9), null);
    }

    /**
     * The test accuracy during training ({@value #ACCURACY_CURVE_PNG}) and, for a Mamba model,
     * the selectivity of Δ over the first test example.
     */
    @Override
    public List<ReportSection> analyse(Path runDir, List<ObjectNode> metrics) {
        List<ObjectNode> evals = metrics.stream().filter(r -> "eval".equals(r.path("type").asText()) && r.has("accuracy")).toList();
        Charts.writeLineChart(runDir.resolve(ACCURACY_CURVE_PNG), "Test accuracy during training: " + model.config().name(),
                "step", Charts.Scale.LINEAR, "accuracy", Charts.Scale.FRACTION,
                List.of(new Charts.Series(model.config().name(), evals.stream().mapToDouble(r -> r.path("step").asDouble()).toArray(),
                        evals.stream().mapToDouble(r -> r.path("accuracy").asDouble()).toArray(), true)));
        List<ReportSection> sections = new ArrayList<>();
        sections.add(new ReportSection("Test accuracy during training", String.format(Locale.ROOT,
                "Accuracy on %s test examples at each periodic evaluation.%n%n", evals.isEmpty() ? "—"
                        : evals.getLast().path("samples").asText()) + ReportSection.plot("Test accuracy during training",
                ACCURACY_CURVE_PNG)));
        ClassifierGraph one = model.buildGraph(1, test.length(), padded);
        if (SelectivityProbe.applies(one.sameDiff())) {
            Batch example = collator(test).collate(new int[]{0});
            sections.add(SelectivityReport.write(runDir, new ProbeInput(one.sameDiff(), feeds(one, example),
                    "test example 0 of " + Path.of(test.name()).getFileName() + " (class " + test.label(0) + ")", test.layout(0))));
        }
        return sections;
    }

    /** Closes both splits. */
    @Override
    public void close() {
        try {
            train.close();
        } finally {
            test.close();
        }
    }

    /** Examples whose arg-max logit (lowest class on ties) is their label. */
    static long countCorrect(INDArray logits, int[] labels) {
        long correct = 0;
        int classes = (int) logits.size(1);
        for (int b = 0; b < labels.length; b++) {
            int best = 0;
            double bestValue = logits.getDouble(b, 0);
            for (int c = 1; c < classes; c++) {
                double value = logits.getDouble(b, c);
                if (value > bestValue) {
                    bestValue = value;
                    best = c;
                }
            }
            if (best == labels[b]) {
                correct++;
            }
        }
        return correct;
    }

    /** Batches of a split: features {@code FLOAT [b, length, channels]}, labels {@code INT [b]}, masks. */
    static ExampleCollator collator(LabelledSequences split) {
        return new ExampleCollator() {
            @Override
            public int exampleCount() {
                return split.size();
            }

            @Override
            public Batch collate(int[] examples) {
                int n = examples.length;
                int length = split.length();
                int channels = split.channels();
                float[] features = new float[n * length * channels];
                float[] mask = new float[n * length];
                int[] labels = new int[n];
                for (int b = 0; b < n; b++) {
                    split.read(examples[b], features, b * length * channels, mask, b * length);
                    labels[b] = split.label(examples[b]);
                    if (labels[b] < 0 || labels[b] >= split.classes()) {
                        throw new IllegalArgumentException("example " + examples[b] + " of " + split.name() + " has label "
                                + labels[b] + ", outside [0, " + split.classes() + ")");
                    }
                }
                return new Batch(Nd4j.create(features, new long[]{n, length, channels}, 'c'), Nd4j.createFromArray(labels),
                        Nd4j.create(mask, new long[]{n, length}, 'c'), Nd4j.ones(DataType.FLOAT, n));
            }
        };
    }
}
