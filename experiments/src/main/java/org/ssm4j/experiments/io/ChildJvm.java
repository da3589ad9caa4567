package org.ssm4j.experiments.io;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a Java program in a new JVM like this one: the same {@code java} executable, JVM
 * options (less a debugger agent, whose port would clash) and class path.
 */
public final class ChildJvm {
    private ChildJvm() {
    }

    /** A process builder for {@code mainClass} with {@code args}; start it yourself. */
    public static ProcessBuilder builder(Class<?> mainClass, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElseThrow(() -> new IllegalStateException("cannot tell which java executable runs this JVM")));
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!option.startsWith("-agentlib:jdwp") && !option.startsWith("-Xrunjdwp")) {
                command.add(option);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(args);
        return new ProcessBuilder(command);
    }
}
