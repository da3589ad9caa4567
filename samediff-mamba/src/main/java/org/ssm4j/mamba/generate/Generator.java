package org.ssm4j.mamba.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Generates text token by token: each prompt is prefilled on its own (prompts of different
 * lengths need no padding, and a batch gives exactly the tokens single runs give), then all
 * unfinished sequences advance together, one {@link RecurrentMamba#step} per token. A
 * sequence stops at a stop token or at the token limit; each token is handed to the listener
 * as soon as it is chosen.
 */
public final class Generator {

    private final RecurrentMamba model;

    public Generator(RecurrentMamba model) {
        this.model = Objects.requireNonNull(model, "model");
    }

    /** Generates from one prompt. */
    public GenerationResult generate(int[] prompt, GenerationOptions options, TokenListener listener) {
        return generate(List.of(prompt), options, listener);
    }

    /** Generates from one prompt, without a listener. */
    public GenerationResult generate(int[] prompt, GenerationOptions options) {
        return generate(List.of(prompt), options, TokenListener.NONE);
    }

    /**
     * Generates from several prompts at once. Sequence {@code i} samples from random stream
     * {@code i} (see {@link Sampler}), so its tokens equal a single run's only for {@code i = 0}
     * or greedy decoding.
     *
     * @throws IllegalArgumentException if there is no prompt, a prompt is empty, or it holds an
     *                                  id outside the vocabulary
     */
    public GenerationResult generate(List<int[]> prompts, GenerationOptions options, TokenListener listener) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(listener, "listener");
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("no prompt given");
        }
        int batch = prompts.size();
        RecurrentState state = model.newState(batch);
        Sampler[] samplers = new Sampler[batch];
        int[][] sequences = new int[batch][];
        int[] generated = new int[batch];
        GenerationResult.FinishReason[] reasons = new GenerationResult.FinishReason[batch];
        long promptTokens = 0;
        for (int i = 0; i < batch; i++) {
            int[] prompt = prompts.get(i);
            if (prompt == null || prompt.length == 0) {
                throw new IllegalArgumentException("prompt " + i + " is empty; every prompt needs at least one token");
            }
            samplers[i] = new Sampler(options.sampling(), i);
            sequences[i] = Arrays.copyOf(prompt, prompt.length + options.maxNewTokens());
            promptTokens += prompt.length;
        }

        long start = System.nanoTime();
        float[][] logits = new float[batch][];
        for (int i = 0; i < batch; i++) {
            logits[i] = model.prefill(state, i, prompts.get(i));
        }
        long prefilled = System.nanoTime();

        int[] active = new int[batch];
        int[] next = new int[batch];
        int activeCount = 0;
        for (int i = 0; i < batch; i++) {
            int token = samplers[i].next(logits[i]);
            if (accept(i, token, sequences, generated, reasons, prompts, options, listener)) {
                active[activeCount] = i;
                next[activeCount++] = token;
            }
        }
        while (activeCount > 0) {
            int[] stepSequences = Arrays.copyOf(active, activeCount);
            float[][] stepLogits = model.step(state, stepSequences, Arrays.copyOf(next, activeCount));
            int stillActive = 0;
            for (int j = 0; j < stepSequences.length; j++) {
                int i = stepSequences[j];
                int token = samplers[i].next(stepLogits[j]);
                if (accept(i, token, sequences, generated, reasons, prompts, options, listener)) {
                    active[stillActive] = i;
                    next[stillActive++] = token;
                }
            }
            activeCount = stillActive;
        }
        long done = System.nanoTime();

        List<int[]> out = new ArrayList<>(batch);
        List<Integer> counts = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            out.add(Arrays.copyOf(sequences[i], prompts.get(i).length + generated[i]));
            counts.add(generated[i]);
        }
        return new GenerationResult(out, counts, Arrays.asList(reasons), promptTokens, prefilled - start, done - prefilled);
    }

    /** Records a new token of sequence i; returns whether the sequence goes on. */
    private static boolean accept(int i, int token, int[][] sequences, int[] generated,
                                  GenerationResult.FinishReason[] reasons, List<int[]> prompts,
                                  GenerationOptions options, TokenListener listener) {
        sequences[i][prompts.get(i).length + generated[i]++] = token;
        listener.onToken(i, token);
        if (options.stopTokens().contains(token)) {
            reasons[i] = GenerationResult.FinishReason.STOP_TOKEN;
            return false;
        }
        if (generated[i] == options.maxNewTokens()) {
            reasons[i] = GenerationResult.FinishReason.MAX_NEW_TOKENS;
            return false;
        }
        return true;
    }
}
