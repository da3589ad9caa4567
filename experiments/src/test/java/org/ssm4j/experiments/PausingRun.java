package org.ssm4j.experiments;

import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.train.StepMetrics;
import org.ssm4j.experiments.train.TrainingListener;

import java.nio.file.Path;
import java.util.List;

/**
 * A run in a child JVM for {@link ResumeAfterKillTest}: {@code PausingRun CONFIG OUT PAUSE_STEP}
 * trains, prints {@value #PAUSED} after step PAUSE_STEP and then waits to be killed.
 */
public final class PausingRun {

    /** The line printed when the run waits to be killed. */
    public static final String PAUSED = "PAUSED";

    private PausingRun() {
    }

    public static void main(String[] args) throws InterruptedException {
        int pauseAfter = Integer.parseInt(args[2]);
        TrainingListener pause = new TrainingListener() {
            @Override
            public void onStep(StepMetrics metrics) {
                if (metrics.step() == pauseAfter) {
                    System.out.println(PAUSED);
                    System.out.flush();
                    try {
                        Thread.sleep(Long.MAX_VALUE);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
        ExperimentRunner.run(ConfigLoader.load(Path.of(args[0])), Path.of(args[1]), false, List.of(pause));
        throw new IllegalStateException("the run should have paused after step " + pauseAfter);
    }
}
