package org.ssm4j.experiments.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;

import static org.ssm4j.experiments.config.ConfigChecks.inRange;
import static org.ssm4j.experiments.config.ConfigChecks.nonNegative;
import static org.ssm4j.experiments.config.ConfigChecks.orDefault;
import static org.ssm4j.experiments.config.ConfigChecks.positive;

/**
 * The {@code train:} section: optimiser (AdamW), schedule (linear warm-up then cosine decay),
 * clipping, accumulation, evaluation and checkpoint cadence, early stopping, seed.
 *
 * @param steps           optimiser steps
 * @param batchSize       {@code batch_size}: sequences per micro-batch
 * @param accumulate      micro-batches whose gradients are averaged per optimiser step
 *                        (default 1); an optimiser step sees batch_size × accumulate sequences
 * @param lr              peak learning rate
 * @param minLr           {@code min_lr}: learning rate at the end of the cosine decay (default 0)
 * @param warmup          steps of linear warm-up from lr/warmup to lr (default 0)
 * @param weightDecay     {@code weight_decay}: decoupled weight decay, not applied to the
 *                        model's no-decay parameters (default 0)
 * @param beta1           AdamW β1 (default 0.9)
 * @param beta2           AdamW β2 (default 0.999)
 * @param eps             AdamW ε (default 1e-8)
 * @param clip            maximum global gradient norm; 0 turns clipping off (default 1.0)
 * @param evalEvery       {@code eval_every}: evaluate every this many steps (and at the end)
 * @param checkpointEvery {@code checkpoint_every}: write a checkpoint every this many steps
 *                        (and at the end; default: eval_every)
 * @param earlyStop       {@code early_stop}: see {@link EarlyStopConfig} (default: off)
 * @param seed            seed of parameter initialisation, training batches and evaluation sets
 * @param threads         CPU threads for ND4J (default 1: fastest for small models, and every
 *                        reduction then runs in a fixed order)
 * @param initFrom        {@code init_from}: a checkpoint of another run whose parameters replace
 *                        the seeded initialisation before the first step (a warm start: the
 *                        optimiser, schedule and data start afresh); relative paths are resolved
 *                        against the working directory; only for configs of one model (default: none)
 * @param statePassing    {@code state_passing}: each micro-batch's sequences start from the
 *                        recurrent states the previous micro-batch's sequences ended in (their
 *                        gradient stops there), the first from zeros; "state passing" of
 *                        Buitrago Ruiz and Gu (2025), which shows a recurrent model the states of
 *                        sequences far longer than it trains on; selective Mamba models on
 *                        next-token tasks only (default false)
 */
public record TrainConfig(int steps, int batchSize, int accumulate, double lr, double minLr, int warmup,
                          double weightDecay, double beta1, double beta2, double eps, double clip,
                          int evalEvery, int checkpointEvery, EarlyStopConfig earlyStop, long seed, int threads,
                          @Nullable String initFrom, boolean statePassing) {

    public TrainConfig {
        positive("train.steps", steps);
        positive("train.batch_size", batchSize);
        positive("train.accumulate", accumulate);
        positive("train.lr", lr);
        nonNegative("train.min_lr", minLr);
        if (minLr > lr) {
            throw new IllegalArgumentException("train.min_lr must be <= train.lr = " + lr + ", got " + minLr);
        }
        nonNegative("train.warmup", warmup);
        nonNegative("train.weight_decay", weightDecay);
        inRange("train.beta1", beta1, 0, 1);
        inRange("train.beta2", beta2, 0, 1);
        positive("train.eps", eps);
        nonNegative("train.clip", clip);
        positive("train.eval_every", evalEvery);
        positive("train.checkpoint_every", checkpointEvery);
        positive("train.threads", threads);
        if (earlyStop == null) {
            throw new IllegalArgumentException("train.early_stop must not be null");
        }
        if (initFrom != null && initFrom.isBlank()) {
            throw new IllegalArgumentException("train.init_from must be a checkpoint path, got an empty string");
        }
    }

    @JsonCreator
    static TrainConfig fromYaml(@JsonProperty(value = "steps", required = true) int steps,
                                @JsonProperty(value = "batch_size", required = true) int batchSize,
                                @JsonProperty("accumulate") Integer accumulate,
                                @JsonProperty(value = "lr", required = true) double lr,
                                @JsonProperty("min_lr") Double minLr,
                                @JsonProperty("warmup") Integer warmup,
                                @JsonProperty("weight_decay") Double weightDecay,
                                @JsonProperty("beta1") Double beta1,
                                @JsonProperty("beta2") Double beta2,
                                @JsonProperty("eps") Double eps,
                                @JsonProperty("clip") Double clip,
                                @JsonProperty(value = "eval_every", required = true) int evalEvery,
                                @JsonProperty("checkpoint_every") Integer checkpointEvery,
                                @JsonProperty("early_stop") EarlyStopConfig earlyStop,
                                @JsonProperty(value = "seed", required = true) long seed,
                                @JsonProperty("threads") Integer threads,
                                @JsonProperty("init_from") String initFrom,
                                @JsonProperty("state_passing") Boolean statePassing) {
        return new TrainConfig(steps, batchSize, orDefault(accumulate, 1), lr, orDefault(minLr, 0.0),
                orDefault(warmup, 0), orDefault(weightDecay, 0.0), orDefault(beta1, 0.9), orDefault(beta2, 0.999),
                orDefault(eps, 1e-8), orDefault(clip, 1.0), evalEvery, orDefault(checkpointEvery, evalEvery),
                orDefault(earlyStop, EarlyStopConfig.OFF), seed, orDefault(threads, 1), initFrom,
                orDefault(statePassing, false));
    }

    /** Sequences per optimiser step. */
    public int sequencesPerStep() {
        return batchSize * accumulate;
    }
}
