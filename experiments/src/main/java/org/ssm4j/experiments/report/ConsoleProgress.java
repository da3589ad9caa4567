package org.ssm4j.experiments.report;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.ssm4j.experiments.eval.EvalResult;
import org.ssm4j.experiments.train.StepMetrics;
import org.ssm4j.experiments.train.TrainingListener;
import org.ssm4j.experiments.train.TrainingResult;

import java.io.Console;
import java.time.Duration;
import java.util.Locale;

/**
 * Shows training on the terminal: a progress bar (me.tongfei:progressbar) with step, elapsed
 * time and ETA, loss and tokens per second, redrawn in place on standard error; evaluations and checkpoints
 * as log lines. Without a terminal (output redirected) the bar becomes a log line every
 * 30 seconds instead.
 */
public final class ConsoleProgress implements TrainingListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleProgress.class);
    private static final double RATE_SMOOTHING = 0.1;

    private final boolean terminal;
    private ProgressBar bar;
    private double smoothedTokensPerSecond = Double.NaN;

    public ConsoleProgress() {
        Console console = System.console();
        this.terminal = console != null && console.isTerminal();
    }

    @Override
    public void onStart(int startStep, int totalSteps, long tokensPerStep) {
        close();
        bar = new ProgressBarBuilder()
                .setTaskName("train")
                .setInitialMax(totalSteps)
                .startsFrom(startStep, Duration.ZERO)
                .setStyle(terminal ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(terminal ? 250 : 30_000)
                .setConsumer(terminal ? new ConsoleProgressBarConsumer(System.err) : new DelegatingProgressBarConsumer(LOG::info))
                .build();
    }

    @Override
    public void onStep(StepMetrics m) {
        smoothedTokensPerSecond = Double.isNaN(smoothedTokensPerSecond) ? m.tokensPerSecond()
                : (1 - RATE_SMOOTHING) * smoothedTokensPerSecond + RATE_SMOOTHING * m.tokensPerSecond();
        if (bar != null) {
            bar.stepTo(m.step());
            bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f, %s tok/s", m.loss(), Formats.count(smoothedTokensPerSecond)));
        }
    }

    @Override
    public void onEvaluation(int step, EvalResult r) {
        clearBarLine();
        LOG.info("step {}: evaluation at length {}: accuracy {}, loss {}", step, r.length(), Formats.accuracy(r.accuracy()),
                Formats.loss(r.loss()));
    }

    @Override
    public void onEnd(TrainingResult result) {
        close();
        LOG.info("trained {} steps in {} s ({} tokens/s){}", result.steps(), String.format(Locale.ROOT, "%.1f", result.trainSeconds()),
                Formats.count(result.tokensPerSecond()), result.stopReason() == null ? "" : "; stopped early: " + result.stopReason());
    }

    @Override
    public void onFinalEvaluation(EvalResult r) {
        if (r.wasSkipped()) {
            LOG.info("length {}: skipped ({})", r.length(), r.skipped());
        } else {
            LOG.info("length {}: accuracy {}, loss {}, {} tokens/s", r.length(), Formats.accuracy(r.accuracy()),
                    Formats.loss(r.loss()), Formats.count(r.tokensPerSecond()));
        }
    }

    /** On a terminal, erases the bar's line so that a log line starts on a clean line; the bar redraws below it. */
    private void clearBarLine() {
        if (terminal && bar != null) {
            System.err.print("\r\033[K");
            System.err.flush();
        }
    }

    /** Closes the bar if one is showing. */
    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
