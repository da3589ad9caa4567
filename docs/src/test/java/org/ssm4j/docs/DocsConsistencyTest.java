package org.ssm4j.docs;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.ssm4j.cli.MambaCli;
import picocli.CommandLine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Keeps the documentation true: every {@code ./mamba ...} command shown in a code block of the
 * README or of {@code docs/*.md} (after any environment assignments) must parse with the real
 * command line, and every relative Markdown link must point at a file that exists.
 */
class DocsConsistencyTest {

    private static final Path ROOT = Path.of(System.getProperty("ssm4j.root",
            Path.of("").toAbsolutePath().getParent().toString()));
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)#\\s]+)(#[^)]*)?\\)");
    /** Environment assignments before a command ({@code MAMBA_JAVA_OPTS="..." ./mamba ...}). */
    private static final Pattern ENV_PREFIX = Pattern.compile("^([A-Z_][A-Z0-9_]*=(\"[^\"]*\"|'[^']*'|\\S+)\\s+)+");

    static List<Path> markdownFiles() {
        List<Path> files = new ArrayList<>();
        files.add(ROOT.resolve("README.md"));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    @TestFactory
    Stream<DynamicTest> everyDocumentedCommandParses() {
        return commands().stream().map(c -> DynamicTest.dynamicTest(c.file().getFileName() + ": " + c.line(), () -> {
            try {
                MambaCli.commandLine().parseArgs(c.args().toArray(String[]::new));
            } catch (CommandLine.ParameterException e) {
                fail(c.file() + " shows a command the CLI rejects: " + c.line() + "\n  " + e.getMessage());
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> everyRelativeLinkResolves() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path md : markdownFiles()) {
            Matcher m = LINK.matcher(Files.readString(md));
            while (m.find()) {
                String target = m.group(1);
                if (target.contains("://") || target.startsWith("mailto:")) {
                    continue;
                }
                Path resolved = md.getParent().resolve(target).normalize();
                tests.add(DynamicTest.dynamicTest(md.getFileName() + " -> " + target,
                        () -> assertTrue(Files.exists(resolved), md + " links to missing " + resolved)));
            }
        }
        return tests.stream();
    }

    record Command(Path file, String line, List<String> args) {
    }

    /** The {@code ./mamba} lines inside fenced code blocks, with line continuations joined. */
    static List<Command> commands() {
        List<Command> commands = new ArrayList<>();
        for (Path md : markdownFiles()) {
            List<String> lines;
            try {
                lines = Files.readAllLines(md);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            boolean inBlock = false;
            StringBuilder pending = null;
            for (String raw : lines) {
                String line = ENV_PREFIX.matcher(raw.strip()).replaceFirst("");
                if (line.startsWith("```")) {
                    inBlock = !inBlock;
                    continue;
                }
                if (!inBlock) {
                    continue;
                }
                if (pending != null) {
                    pending.append(' ').append(line.replaceAll("\\\\$", ""));
                    if (!line.endsWith("\\")) {
                        commands.add(parse(md, pending.toString()));
                        pending = null;
                    }
                } else if (line.startsWith("./mamba ") || line.equals("./mamba")) {
                    if (line.endsWith("\\")) {
                        pending = new StringBuilder(line.replaceAll("\\\\$", ""));
                    } else {
                        commands.add(parse(md, line));
                    }
                }
            }
        }
        return commands;
    }

    private static Command parse(Path md, String line) {
        String command = line.replaceAll("\\s+#.*$", "").replaceAll("\\s*[|>].*$", "").strip();
        List<String> args = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"|'([^']*)'|(\\S+)").matcher(command.substring("./mamba".length()));
        while (m.find()) {
            args.add(m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3));
        }
        return new Command(md, command, args);
    }
}
