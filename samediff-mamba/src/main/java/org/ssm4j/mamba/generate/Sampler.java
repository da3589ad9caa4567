package org.ssm4j.mamba.generate;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.ssm4j.kernels.cpu.VectorMath;

import java.util.SplittableRandom;

/**
 * Chooses tokens from logits as {@link SamplingOptions} say, drawing from its own
 * reproducible random stream ({@link SplittableRandom}, whose sequence is fixed by its seed).
 * Not thread-safe: one sampler per sequence.
 */
public final class Sampler {

    private final SamplingOptions options;
    private final SplittableRandom random;
    private static final VectorSpecies<Float> SPECIES = VectorMath.SPECIES;

    /** Scratch: the probability of each token (unnormalised). */
    private float[] probabilities = new float[0];
    /** Scratch: token ids, partitioned by probability while the nucleus is searched. */
    private int[] order = new int[0];

    /**
     * A sampler whose random stream is seeded with {@code options.seed() + stream}; a batch
     * gives sequence {@code i} stream {@code i}, so its first sequence repeats a single run.
     */
    public Sampler(SamplingOptions options, long stream) {
        this.options = options;
        this.random = new SplittableRandom(options.seed() + stream);
    }

    /** The next token for these logits (read, not modified). */
    public int next(float[] logits) {
        if (logits.length == 0) {
            throw new IllegalArgumentException("logits are empty; expected one per vocabulary entry");
        }
        if (options.isGreedy()) {
            return argmax(logits);
        }
        int vocab = logits.length;
        if (probabilities.length != vocab) {
            probabilities = new float[vocab];
            order = new int[vocab];
        }
        // Temperature and top-k: tokens under the k-th largest logit get probability 0.
        float floor = options.topK() > 0 && options.topK() < vocab ? kthLargest(logits, options.topK()) : Float.NEGATIVE_INFINITY;
        double total = exponentials(logits, logits[argmax(logits)], 1f / options.temperature(), floor);
        if (!(total > 0) || Double.isInfinite(total)) {
            throw new IllegalArgumentException("logits contain infinite values; cannot sample from them");
        }
        float floorProbability = options.topP() >= 1f ? 0f : nucleusThreshold(options.topP() * total);
        return draw(floorProbability);
    }

    /**
     * {@code probabilities[i] = exp((logits[i] - max) · invTemperature)}, or 0 below {@code floor};
     * returns their sum. Vectorised (a 50k vocabulary costs microseconds, not a millisecond), the
     * last partial vector under a mask, with nd4j-ssm-ops' {@link VectorMath#exp}: the same bits
     * in every JIT tier, so a seeded sample is reproducible.
     */
    private double exponentials(float[] logits, float max, float invTemperature, float floor) {
        double total = 0;
        for (int i = 0; i < logits.length; i += SPECIES.length()) {
            VectorMask<Float> lanes = SPECIES.indexInRange(i, logits.length);
            FloatVector l = FloatVector.fromArray(SPECIES, logits, i, lanes);
            FloatVector e = VectorMath.exp(l.sub(max).mul(invTemperature))
                    .blend(0f, l.compare(VectorOperators.LT, floor).or(lanes.not()));
            e.intoArray(probabilities, i, lanes);
            total += VectorMath.sum(e);
        }
        return total;
    }

    /** A draw, in id order, among the tokens of probability at least {@code floor} (and above 0). */
    private int draw(float floor) {
        double mass = 0;
        for (float p : probabilities) {
            if (p >= floor) {
                mass += p;
            }
        }
        double u = random.nextDouble() * mass;
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < probabilities.length; i++) {
            float p = probabilities[i];
            if (p >= floor && p > 0) {
                cumulative += p;
                last = i;
                if (u < cumulative) {
                    return i;
                }
            }
        }
        return last;
    }

    /**
     * The probability of the least likely token of the nucleus: the smallest set of most
     * likely tokens whose mass reaches {@code target} is every token at or above it. Found by
     * selection (three-way partitions around a pivot probability, recursing into the side
     * where the target is reached), in time linear in the vocabulary, without sorting.
     */
    private float nucleusThreshold(double target) {
        int n = 0;
        for (int i = 0; i < probabilities.length; i++) {
            if (probabilities[i] > 0) {
                order[n++] = i;
            }
        }
        int from = 0;
        int to = n;
        double needed = target;
        while (true) {
            float pivot = probabilities[order[from + (to - from) / 2]];
            // Partition [from, to) into > pivot, == pivot, < pivot.
            int greater = from;
            int less = to;
            int i = from;
            double greaterMass = 0;
            double equalMass = 0;
            while (i < less) {
                float p = probabilities[order[i]];
                if (p > pivot) {
                    greaterMass += p;
                    swap(i++, greater++);
                } else if (p < pivot) {
                    swap(i, --less);
                } else {
                    equalMass += p;
                    i++;
                }
            }
            if (greaterMass >= needed && greater > from) {
                to = greater;
            } else if (greaterMass + equalMass >= needed || less == to) {
                return pivot;
            } else {
                needed -= greaterMass + equalMass;
                from = less;
            }
        }
    }

    private void swap(int a, int b) {
        int t = order[a];
        order[a] = order[b];
        order[b] = t;
    }

    /**
     * Index of the largest logit (the first of equal ones), as {@code torch.argmax}.
     *
     * @throws IllegalArgumentException if a logit is NaN
     */
    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            } else if (Float.isNaN(logits[i])) {
                throw new IllegalArgumentException("logit " + i + " is NaN; the model's output is invalid");
            }
        }
        return best;
    }

    /** The k-th largest value (1-based), by a size-k min-heap: O(n log k). */
    static float kthLargest(float[] values, int k) {
        float[] heap = new float[k];
        int size = 0;
        for (float v : values) {
            if (size < k) {
                heap[size] = v;
                siftUp(heap, size++);
            } else if (v > heap[0]) {
                heap[0] = v;
                siftDown(heap, k);
            }
        }
        return heap[0];
    }

    private static void siftUp(float[] heap, int i) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= heap[i]) {
                return;
            }
            float t = heap[parent];
            heap[parent] = heap[i];
            heap[i] = t;
            i = parent;
        }
    }

    private static void siftDown(float[] heap, int size) {
        int i = 0;
        while (true) {
            int smallest = i;
            int l = 2 * i + 1;
            int r = l + 1;
            if (l < size && heap[l] < heap[smallest]) {
                smallest = l;
            }
            if (r < size && heap[r] < heap[smallest]) {
                smallest = r;
            }
            if (smallest == i) {
                return;
            }
            float t = heap[smallest];
            heap[smallest] = heap[i];
            heap[i] = t;
            i = smallest;
        }
    }
}
