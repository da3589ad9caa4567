package org.ssm4j.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class in a new JVM with this JVM's class path, for tests that need a cold or
 * differently started JVM. Other modules get this class through nd4j-ssm-ops' test jar.
 */
public final class FreshJvm {

    private FreshJvm() {
    }

    /** The flags this JVM was started with (module, native access and add-opens flags, the shared data property). */
    public static List<String> currentFlags() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments();
    }

    /**
     * Runs {@code mainClass} with {@code args} in a JVM started with {@code flags}, waits for it,
     * and returns what it printed (stdout and stderr, also left in {@code log}).
     *
     * @throws AssertionError if it does not finish within 3 minutes or exits with a non-zero
     *                        status (the message holds its output)
     */
    public static String run(List<String> flags, Class<?> mainClass, Path log, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(flags);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(List.of(args));
        try {
            Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!child.waitFor(180, TimeUnit.SECONDS)) {
                child.destroyForcibly();
                throw new AssertionError("child JVM " + mainClass.getSimpleName() + " timed out:\n" + Files.readString(log));
            }
            String output = Files.readString(log);
            if (child.exitValue() != 0) {
                throw new AssertionError("child JVM " + mainClass.getSimpleName() + " exited with " + child.exitValue()
                        + ":\n" + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for the child JVM", e);
        }
    }
}
