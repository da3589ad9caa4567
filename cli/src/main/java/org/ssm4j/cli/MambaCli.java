package org.ssm4j.cli;

import org.ssm4j.kernels.cuda.CudaScanKernels;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ./mamba} command line. Each subcommand is a class of its own in this package;
 * every one answers {@code --help}.
 */
@Command(name = "mamba",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Selective state space models (Mamba) on ND4J + SameDiff.",
        subcommands = {
                CommandLine.HelpCommand.class,
                TrainCommand.class,
                EvalCommand.class,
                CompareCommand.class,
                BenchCommand.class,
                ScoreCommand.class, ExportCommand.class, InfoCommand.class,
                GenerateCommand.class,
                DataCommand.class,
        })
public final class MambaCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Where the selective scan runs, for every command (the system property the ops read). */
    @CommandLine.Option(names = "--scan-device", scope = CommandLine.ScopeType.INHERIT, paramLabel = "DEVICE",
            description = "Where the selective scan runs: cpu (the default), cuda or cuda:N (GPU N); sets the "
                    + "system property " + CudaScanKernels.DEVICE_PROPERTY + ".")
    void scanDevice(String device) {
        try {
            System.setProperty(CudaScanKernels.DEVICE_PROPERTY, CudaScanKernels.checkedDevice(device));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Builds the command line with the project's shared settings. */
    public static CommandLine commandLine() {
        return new CommandLine(new MambaCli())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setUsageHelpAutoWidth(true);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
