package org.ssm4j.experiments.report;

/**
 * A section a task or an analysis adds to a run report: a heading and its Markdown body
 * (which may link plots written beside the report).
 *
 * @param title    the section's heading
 * @param markdown its body
 */
public record ReportSection(String title, String markdown) {

    /** The section as Markdown, heading included. */
    public String toMarkdown() {
        return "## " + title + "\n\n" + markdown.strip() + "\n\n";
    }

    /** A plot as Markdown: a link to the PNG and the image itself. */
    public static String plot(String title, String png) {
        return "- [" + title + "](" + png + ")\n\n  ![" + title + "](" + png + ")\n";
    }
}
