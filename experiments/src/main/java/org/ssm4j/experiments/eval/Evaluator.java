package org.ssm4j.experiments.eval;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.ssm4j.experiments.models.SequenceModel;
import org.ssm4j.experiments.tasks.SplitMix64;
import org.ssm4j.experiments.tasks.SyntheticTask;
import org.ssm4j.experiments.tasks.TaskBatch;
import org.ssm4j.experiments.tasks.TaskStream;

import java.util.HashMap;
import java.util.Map;

/**
 * Scores a model on fixed evaluation sets: for each length, the sequences of an
 * {@link EvaluationSet}; for a synthetic task, {@code samples} sequences drawn from a
 * generator seeded by the run's seed and the length (so every evaluation of a run, and every
 * run with the same seed, sees the same sequences, whatever the batch size).
 * Loss and accuracy count only the answer positions.
 */
public final class Evaluator {

    private final SequenceModel model;
    private final EvaluationSet set;
    private final int batchSize;
    private final long maxForwardBytes;
    private final Map<Long, LossGraph> graphs = new HashMap<>();
    private int graphsLength = -1;

    /**
     * @param batchSize       sequences per forward pass
     * @param seed            the run's seed
     * @param maxForwardBytes lengths whose forward pass the model estimates above this are
     *                        skipped
     */
    public Evaluator(SequenceModel model, SyntheticTask task, int batchSize, long seed, long maxForwardBytes) {
        this(model, synthetic(task, seed), batchSize, maxForwardBytes);
    }

    /**
     * @param set             the sequences to score
     * @param batchSize       sequences per forward pass
     * @param maxForwardBytes lengths whose forward pass the model estimates above this are
     *                        skipped
     */
    public Evaluator(SequenceModel model, EvaluationSet set, int batchSize, long maxForwardBytes) {
        if (model.vocabSize() != set.vocabSize()) {
            throw new IllegalArgumentException("model reads " + model.vocabSize() + " token ids but " + set.name()
                    + " has a vocabulary of " + set.vocabSize());
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        this.model = model;
        this.set = set;
        this.batchSize = batchSize;
        this.maxForwardBytes = maxForwardBytes;
    }

    /** The fixed evaluation sets of a synthetic task: per length, sequences from {@link #evaluationStream}. */
    public static EvaluationSet synthetic(SyntheticTask task, long seed) {
        return new EvaluationSet() {
            @Override
            public String name() {
                return "task " + task.name();
            }

            @Override
            public int vocabSize() {
                return task.vocabSize();
            }

            @Override
            public Sequences open(int length, int samples) {
                if (length < task.minimumLength()) {
                    throw new IllegalArgumentException(task.name() + " needs sequences of at least " + task.minimumLength()
                            + " tokens, got length " + length);
                }
                SplitMix64 rng = evaluationStream(seed, length);
                return new Sequences() {
                    @Override
                    public int count() {
                        return samples;
                    }

                    @Override
                    public TaskBatch next(int n) {
                        return task.sample(n, length, rng);
                    }
                };
            }
        };
    }

    /** The generator of the evaluation set of {@code length} for {@code seed}. */
    public static SplitMix64 evaluationStream(long seed, int length) {
        return SplitMix64.forStream(seed, (TaskStream.Streams.EVAL << 32) | length);
    }

    /** Scores the model on the evaluation set of {@code samples} sequences of {@code length}. */
    public EvalResult evaluate(int length, int samples) {
        if (samples <= 0) {
            throw new IllegalArgumentException("samples must be positive, got " + samples);
        }
        EvaluationSet.Sequences sequences = set.open(length, samples);
        int count = sequences.count();
        long needed = model.estimateForwardBytes(Math.min(batchSize, count), length);
        if (needed > maxForwardBytes) {
            return EvalResult.skipped(length, count, String.format("needs about %,d MiB of activations, above the limit of %,d MiB",
                    needed >> 20, maxForwardBytes >> 20));
        }
        double lossSum = 0;
        long answers = 0;
        long correct = 0;
        long forwardNanos = 0;
        for (int done = 0; done < count; ) {
            int n = Math.min(batchSize, count - done);
            TaskBatch batch = sequences.next(n);
            LossGraph graph = graph(n, length);
            Map<String, INDArray> feeds = graph.feeds(batch);
            long start = System.nanoTime();
            Map<String, INDArray> out = graph.model().sameDiff().output(feeds, graph.model().logits().name(), graph.loss().name());
            forwardNanos += System.nanoTime() - start;
            int batchAnswers = batch.answerCount();
            lossSum += out.get(graph.loss().name()).getDouble(0) * batchAnswers;
            answers += batchAnswers;
            correct += countCorrect(out.get(graph.model().logits().name()), batch);
            done += n;
        }
        double seconds = forwardNanos / 1e9;
        return new EvalResult(length, count, lossSum / answers, (double) correct / answers,
                (double) count * length / seconds, null);
    }

    private LossGraph graph(int batch, int length) {
        if (length != graphsLength) {
            graphs.clear();
            graphsLength = length;
        }
        return graphs.computeIfAbsent(((long) batch << 32) | length,
                key -> LossGraph.attach(model.buildGraph(batch, length), model.vocabSize()));
    }

    /** Answer positions whose arg-max logit (lowest id on ties) is the target. */
    static long countCorrect(INDArray logits, TaskBatch batch) {
        int length = batch.length();
        int vocab = (int) logits.size(2);
        long correct = 0;
        int[] targets = batch.targets();
        for (int i = 0; i < targets.length; i++) {
            if (targets[i] == TaskBatch.NO_ANSWER) {
                continue;
            }
            int b = i / length;
            int t = i % length;
            int best = 0;
            double bestValue = logits.getDouble(b, t, 0);
            for (int v = 1; v < vocab; v++) {
                double value = logits.getDouble(b, t, v);
                if (value > bestValue) {
                    bestValue = value;
                    best = v;
                }
            }
            if (best == targets[i]) {
                correct++;
            }
        }
        return correct;
    }
}
