package org.ssm4j.experiments.report;

import org.jspecify.annotations.Nullable;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.factory.Nd4j;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.config.ExperimentConfig;
import org.ssm4j.io.AtomicFiles;
import org.ssm4j.experiments.models.TrainableModel;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A run's {@code run.json}: the resolved config and everything about where it ran, so that a
 * result can be traced to code and machine: git commit (and whether the tree had changes),
 * JVM, ND4J backend and its threads, CPU model from {@code /proc/cpuinfo}, OS.
 */
public final class RunInfo {

    /** File name in a run directory. */
    public static final String FILE_NAME = "run.json";

    private RunInfo() {
    }

    /**
     * Writes {@code run.json} into {@code runDir} atomically.
     *
     * @param resumedFromStep the checkpoint step this process resumed from, or null for a fresh run
     */
    public static void write(Path runDir, ExperimentConfig config, TrainableModel model, @Nullable Integer resumedFromStep) {
        ObjectNode root = ConfigLoader.json().createObjectNode();
        root.put("name", config.name());
        root.put("started_at", Instant.now().toString());
        if (resumedFromStep != null) {
            root.put("resumed_from_step", resumedFromStep);
        } else {
            root.putNull("resumed_from_step");
        }
        root.set("config", ConfigLoader.json().valueToTree(config));
        root.put("parameter_count", model.parameterCount());
        ArrayNode noDecay = root.putArray("no_decay_parameters");
        model.noDecayParameterNames().forEach(noDecay::add);
        root.set("git", git());
        root.set("jvm", jvm());
        root.set("nd4j", nd4j());
        root.set("cpu", cpu());
        root.putObject("os").put("name", System.getProperty("os.name")).put("version", System.getProperty("os.version"))
                .put("arch", System.getProperty("os.arch"));
        AtomicFiles.writeString(runDir.resolve(FILE_NAME), root.toPrettyString() + "\n");
    }

    private static ObjectNode git() {
        ObjectNode git = ConfigLoader.json().createObjectNode();
        String commit = runGit("rev-parse", "HEAD");
        git.put("commit", commit == null ? "unknown" : commit.strip());
        String status = runGit("status", "--porcelain", "--untracked-files=no");
        if (status != null) {
            git.put("dirty", !status.isBlank());
        } else {
            git.putNull("dirty");
        }
        git.put("directory", Path.of("").toAbsolutePath().toString());
        return git;
    }

    /** Output of a git command in the working directory, or null if git is missing or fails. */
    private static String runGit(String... args) {
        String[] command = new String[args.length + 1];
        command[0] = "git";
        System.arraycopy(args, 0, command, 1, args.length);
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(false)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static ObjectNode jvm() {
        ObjectNode jvm = ConfigLoader.json().createObjectNode();
        jvm.put("version", System.getProperty("java.runtime.version"))
                .put("vendor", System.getProperty("java.vendor"))
                .put("vm", System.getProperty("java.vm.name"))
                .put("max_heap_bytes", Runtime.getRuntime().maxMemory());
        ArrayNode args = jvm.putArray("arguments");
        ManagementFactory.getRuntimeMXBean().getInputArguments().forEach(args::add);
        return jvm;
    }

    private static ObjectNode nd4j() {
        ObjectNode nd4j = ConfigLoader.json().createObjectNode();
        nd4j.put("backend", Nd4j.getBackend().getClass().getName());
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        ObjectNode environment = nd4j.putObject("environment");
        new TreeMap<>(env).forEach((k, v) -> {
            if (!String.valueOf(k).startsWith("memory")) {
                environment.put(String.valueOf(k), String.valueOf(v));
            }
        });
        return nd4j;
    }

    private static ObjectNode cpu() {
        ObjectNode cpu = ConfigLoader.json().createObjectNode();
        cpu.put("available_processors", Runtime.getRuntime().availableProcessors());
        String model = "unknown";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    model = line.substring(line.indexOf(':') + 1).strip();
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            model = "unknown (/proc/cpuinfo unreadable)";
        }
        cpu.put("model", model);
        return cpu;
    }
}
