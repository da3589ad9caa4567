package org.ssm4j.mamba;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a main class in a new JVM with this JVM's class path and flags, for tests that must start cold. */
final class FreshJvm {

    private FreshJvm() {
    }

    /**
     * Runs {@code mainClass} with {@code args} and waits for it.
     *
     * @param log where the child's stdout and stderr go
     * @throws AssertionError if it does not finish within 3 minutes or exits with a non-zero status
     *                        (the message holds its output)
     */
    static void run(Class<?> mainClass, Path log, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(List.of(args));
        try {
            Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!child.waitFor(180, TimeUnit.SECONDS)) {
                child.destroyForcibly();
                throw new AssertionError("child JVM " + mainClass.getSimpleName() + " timed out:\n" + Files.readString(log));
            }
            if (child.exitValue() != 0) {
                throw new AssertionError("child JVM " + mainClass.getSimpleName() + " exited with " + child.exitValue()
                        + ":\n" + Files.readString(log));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for the child JVM", e);
        }
    }
}
