package org.ssm4j.mamba.generate;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {

    private static int[] draws(SamplingOptions options, float[] logits, int n) {
        Sampler sampler = new Sampler(options, 0);
        return IntStream.range(0, n).map(i -> sampler.next(logits)).toArray();
    }

    private static double[] frequencies(int[] draws, int vocab) {
        double[] f = new double[vocab];
        for (int d : draws) {
            f[d] += 1.0 / draws.length;
        }
        return f;
    }

    private static float[] logOf(double... probabilities) {
        float[] l = new float[probabilities.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = (float) Math.log(probabilities[i]);
        }
        return l;
    }

    @Test
    void greedyTakesTheFirstLargestLogit() {
        Sampler greedy = new Sampler(SamplingOptions.greedy(), 0);
        assertEquals(2, greedy.next(new float[]{-1f, 0.5f, 3f, 3f, 2.9f}));
        assertEquals(0, greedy.next(new float[]{7f, -7f}));
    }

    @Test
    void theSameSeedGivesTheSameTokensAndAnotherSeedOthers() {
        float[] logits = logOf(0.2, 0.2, 0.2, 0.2, 0.2);
        SamplingOptions options = SamplingOptions.temperature(1f).withSeed(123);
        assertArrayEquals(draws(options, logits, 200), draws(options, logits, 200));
        assertFalse(Arrays.equals(draws(options, logits, 200), draws(options.withSeed(124), logits, 200)));
        // A batch's stream i is seeded with seed + i.
        Sampler second = new Sampler(options, 1);
        int[] fromStream1 = IntStream.range(0, 200).map(i -> second.next(logits)).toArray();
        assertArrayEquals(draws(options.withSeed(124), logits, 200), fromStream1);
    }

    @Test
    void samplesFollowTheTemperatureScaledSoftmax() {
        float[] logits = {0f, 1f, 2f, -1f};
        double[] f = frequencies(draws(SamplingOptions.temperature(2f), logits, 100_000), 4);
        double[] e = new double[4];
        double sum = 0;
        for (int i = 0; i < 4; i++) {
            e[i] = Math.exp(logits[i] / 2.0);
            sum += e[i];
        }
        for (int i = 0; i < 4; i++) {
            assertEquals(e[i] / sum, f[i], 0.01, "token " + i);
        }
    }

    @Test
    void topKKeepsTheKLargestAndTiesWithTheKth() {
        float[] logits = {0f, 5f, 3f, 4f, 1f};
        double[] f = frequencies(draws(SamplingOptions.temperature(1f).withTopK(2), logits, 50_000), 5);
        double p1 = Math.exp(5) / (Math.exp(5) + Math.exp(4));
        assertEquals(p1, f[1], 0.01);
        assertEquals(1 - p1, f[3], 0.01);
        assertEquals(0.0, f[0] + f[2] + f[4]);
        // Hugging Face's top-k keeps every token tied with the k-th.
        Set<Integer> seen = new HashSet<>();
        for (int d : draws(SamplingOptions.temperature(1f).withTopK(1), new float[]{3f, 1f, 3f}, 1000)) {
            seen.add(d);
        }
        assertEquals(Set.of(0, 2), seen);
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        float[] logits = logOf(0.05, 0.5, 0.15, 0.3);
        assertEquals(Set.of(1), drawn(SamplingOptions.temperature(1f).withTopP(0.4f), logits));
        assertEquals(Set.of(1, 3), drawn(SamplingOptions.temperature(1f).withTopP(0.75f), logits));
        assertEquals(Set.of(1, 3, 2), drawn(SamplingOptions.temperature(1f).withTopP(0.85f), logits));
        assertEquals(Set.of(0, 1, 2, 3), drawn(SamplingOptions.temperature(1f).withTopP(0.99f), logits));
        double[] f = frequencies(draws(SamplingOptions.temperature(1f).withTopP(0.75f), logits, 50_000), 4);
        assertEquals(0.5 / 0.8, f[1], 0.01);
        assertEquals(0.3 / 0.8, f[3], 0.01);
        // top-k applies first, then top-p on what is left (renormalised).
        assertEquals(Set.of(1), drawn(SamplingOptions.temperature(1f).withTopK(2).withTopP(0.6f), logits));
        assertEquals(Set.of(1, 3), drawn(SamplingOptions.temperature(1f).withTopK(2).withTopP(0.65f), logits));
    }

    @Test
    void topPOverALargeVocabularyKeepsExactlyTheNucleus() {
        int vocab = 50_280;
        Random random = new Random(5);
        float[] logits = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            logits[i] = (float) random.nextGaussian();
        }
        float p = 0.3f;
        Integer[] order = IntStream.range(0, vocab).boxed().sorted(Comparator.comparingDouble(i -> -logits[i])).toArray(Integer[]::new);
        double total = 0;
        double max = logits[order[0]];
        for (float l : logits) {
            total += Math.exp(l - max);
        }
        Set<Integer> nucleus = new HashSet<>();
        double above = 0;
        for (int j = 0; above < p * total; j++) {
            nucleus.add(order[j]);
            above += Math.exp(logits[order[j]] - max);
        }
        Set<Integer> seen = new HashSet<>();
        for (int d : draws(SamplingOptions.temperature(1f).withTopP(p), logits, 300)) {
            seen.add(d);
        }
        assertTrue(nucleus.containsAll(seen), "a token outside the nucleus was drawn");
        assertTrue(nucleus.size() > 1000 && seen.size() > 150, "nucleus " + nucleus.size() + ", drawn " + seen.size());
    }

    private static Set<Integer> drawn(SamplingOptions options, float[] logits) {
        Set<Integer> seen = new HashSet<>();
        for (int d : draws(options, logits, 20_000)) {
            seen.add(d);
        }
        return seen;
    }

    @Test
    void invalidOptionsAndLogitsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> SamplingOptions.temperature(-1f));
        assertThrows(IllegalArgumentException.class, () -> SamplingOptions.temperature(Float.NaN));
        assertThrows(IllegalArgumentException.class, () -> SamplingOptions.temperature(1f).withTopK(-1));
        assertThrows(IllegalArgumentException.class, () -> SamplingOptions.temperature(1f).withTopP(0f));
        assertThrows(IllegalArgumentException.class, () -> SamplingOptions.temperature(1f).withTopP(1.5f));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Sampler(SamplingOptions.greedy(), 0).next(new float[]{1f, Float.NaN}));
        assertTrue(e.getMessage().contains("logit 1 is NaN"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new Sampler(SamplingOptions.temperature(1f), 0).next(new float[]{Float.NaN, 1f}));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(SamplingOptions.greedy(), 0).next(new float[0]));
    }
}
