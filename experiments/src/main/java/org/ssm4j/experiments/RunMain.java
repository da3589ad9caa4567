package org.ssm4j.experiments;

import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.report.ConsoleProgress;

import java.nio.file.Path;
import java.util.List;

/**
 * Runs one experiment in a process of its own: {@code RunMain CONFIG OUT_DIR [--resume]}.
 * {@code compare} starts one per model, so that each model's time and peak memory are its own.
 * Exit status 0 on success, 1 with the reason on standard error otherwise.
 */
public final class RunMain {
    private RunMain() {
    }

    public static void main(String[] args) {
        if (args.length < 2 || args.length > 3 || (args.length == 3 && !args[2].equals("--resume"))) {
            System.err.println("usage: RunMain CONFIG OUT_DIR [--resume]");
            System.exit(2);
        }
        try (ConsoleProgress progress = new ConsoleProgress()) {
            ExperimentRunner.run(ConfigLoader.load(Path.of(args[0])), Path.of(args[1]), args.length == 3, List.of(progress));
        } catch (RuntimeException e) {
            System.err.println("error: " + e.getMessage());
            e.printStackTrace(System.err);
            System.exit(1);
        }
        System.exit(0);
    }
}
