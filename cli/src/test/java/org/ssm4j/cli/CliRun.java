package org.ssm4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One run of the real command line ({@link MambaCli#commandLine()}) in this JVM, for the
 * commands' tests: its exit status and what it printed.
 *
 * @param exitCode the status {@code main} would exit with
 * @param out      what it printed on stdout
 * @param err      what it printed on stderr
 */
record CliRun(int exitCode, String out, String err) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Runs {@code mamba args...}. */
    static CliRun run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = MambaCli.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /** Stdout as JSON, asserting that it is exactly one line (what {@code --json} prints). */
    JsonNode json() throws JsonProcessingException {
        String trimmed = out.strip();
        assertEquals(1, trimmed.lines().count(), "exactly one line of JSON on stdout: " + out);
        return JSON.readTree(trimmed);
    }
}
