package org.ssm4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * How the model commands report: with {@code --json} exactly one JSON object on stdout (the
 * result, or {@code {"error": "..."}} on failure), otherwise readable lines on stdout and
 * errors on stderr. Bad input (an {@link IllegalArgumentException} or an unreadable file)
 * exits with status 1 and its message, never a stack trace.
 */
final class CommandOutput {

    static final ObjectMapper JSON = new ObjectMapper();

    private CommandOutput() {
    }

    /**
     * Runs a command body that builds its result as a JSON object.
     *
     * @param result computes the result
     * @param text   prints the result for people (used without {@code --json})
     * @return the exit status
     */
    static int run(CommandLine.Model.CommandSpec spec, boolean json, Supplier<ObjectNode> result,
                   Consumer<ObjectNode> text) {
        PrintWriter out = spec.commandLine().getOut();
        ObjectNode value;
        try {
            value = result.get();
        } catch (IllegalArgumentException | UncheckedIOException e) {
            if (json) {
                out.println(JSON.createObjectNode().put("error", e.getMessage()));
                out.flush();
            } else {
                spec.commandLine().getErr().println("error: " + e.getMessage());
                spec.commandLine().getErr().flush();
            }
            return 1;
        }
        if (json) {
            out.println(value);
        } else {
            text.accept(value);
        }
        out.flush();
        return 0;
    }
}
