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
 * Scores a model on fixed evaluation sets: for each length, {@code samples} sequences drawn
 * from a generator seeded by the run's seed and the length (so every evaluation of a run, and
 * every run with the same seed, sees the same sequences, whatever the batch size).
 * Loss and accuracy count only the answer positions.
 */
public final class Evaluator {

    private final SequenceModel model;
    private final SyntheticTask task;
    private final int batchSize;
    private final long seed;
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
        if (model.vocabSize() != task.vocabSize()) {
            throw new IllegalArgumentException("model reads " + model.vocabSize() + " token ids but task " + task.name()
                    + " has a vocabulary of " + task.vocabSize());
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        this.model = model;
        this.task = task;
        this.batchSize = batchSize;
        this.seed = seed;
        this.maxForwardBytes = maxForwardBytes;
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
        if (length < task.minimumLength()) {
            throw new IllegalArgumentException(task.name() + " needs sequences of at least " + task.minimumLength()
                    + " tokens, got length " + length);
        }
        long needed = model.estimateForwardBytes(Math.min(batchSize, samples), length);
        if (needed > maxForwardBytes) {
            return EvalResult.skipped(length, samples, String.format("needs about %,d MiB of activations, above the limit of %,d MiB",
                    needed >> 20, maxForwardBytes >> 20));
        }
        SplitMix64 rng = evaluationStream(seed, length);
        double lossSum = 0;
        long answers = 0;
        long correct = 0;
        long forwardNanos = 0;
        for (int done = 0; done < samples; ) {
            int n = Math.min(batchSize, samples - done);
            TaskBatch batch = task.sample(n, length, rng);
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
        return new EvalResult(length, samples, lossSum / answers, (double) correct / answers,
                (double) samples * length / seconds, null);
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
