package org.ssm4j.experiments.report;

import java.util.ArrayList;
import java.util.List;

/** A Markdown table: a header row, right-aligned columns except the first, then rows. */
public final class MarkdownTable {

    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    public MarkdownTable(List<String> header) {
        if (header.isEmpty()) {
            throw new IllegalArgumentException("a table needs at least one column");
        }
        this.header = List.copyOf(header);
    }

    /** Adds a row of exactly as many cells as the header. */
    public MarkdownTable row(List<String> cells) {
        if (cells.size() != header.size()) {
            throw new IllegalArgumentException("row has " + cells.size() + " cells, the table has " + header.size() + " columns");
        }
        rows.add(List.copyOf(cells));
        return this;
    }

    /** The table in Markdown. */
    public String toMarkdown() {
        StringBuilder sb = new StringBuilder();
        line(sb, header);
        sb.append("|---");
        sb.append("|---:".repeat(header.size() - 1)).append("|\n");
        rows.forEach(r -> line(sb, r));
        return sb.toString();
    }

    /** The table as aligned plain text, for a terminal. */
    public String toText() {
        int[] widths = new int[header.size()];
        for (int c = 0; c < widths.length; c++) {
            widths[c] = header.get(c).length();
            for (List<String> r : rows) {
                widths[c] = Math.max(widths[c], r.get(c).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        textLine(sb, header, widths);
        for (int c = 0; c < widths.length; c++) {
            sb.append(c == 0 ? "" : "  ").append("-".repeat(widths[c]));
        }
        sb.append('\n');
        rows.forEach(r -> textLine(sb, r, widths));
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> cells) {
        for (String cell : cells) {
            sb.append("| ").append(cell.replace("|", "\\|")).append(' ');
        }
        sb.append("|\n");
    }

    private static void textLine(StringBuilder sb, List<String> cells, int[] widths) {
        for (int c = 0; c < cells.size(); c++) {
            String cell = cells.get(c);
            String pad = " ".repeat(widths[c] - cell.length());
            sb.append(c == 0 ? "" : "  ").append(c == 0 ? cell + pad : pad + cell);
        }
        sb.append('\n');
    }
}
