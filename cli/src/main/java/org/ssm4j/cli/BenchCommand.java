package org.ssm4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./mamba bench}: performance measurements; each kind is a subcommand. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measures performance; see each subcommand.",
        subcommands = {BenchGenerateCommand.class})
public final class BenchCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
