package org.ssm4j.experiments.monitor;

import org.jspecify.annotations.Nullable;
import org.ssm4j.io.AtomicFiles;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A figure of panels drawn with Java2D into a PNG: heat maps whose cells are coloured by a
 * {@link ColourScale} (optionally with a character in each cell, for text), grey pictures
 * (the input image) and waveforms, laid out left to right in rows, with a title, a subtitle
 * and the colour bar on the right.
 */
public final class HeatMapFigure {

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private static final int MARGIN = 24;
    private static final int GAP = 22;
    private static final int PANEL_TITLE = 20;
    private static final int BAR_WIDTH = 16;
    private static final Color INK = new Color(0x222222);
    private static final Color MUTED = new Color(0x666666);
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 18);
    private static final Font TEXT_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Font SMALL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    private static final Font CELL_FONT = new Font(Font.MONOSPACED, Font.BOLD, 13);

    private HeatMapFigure() {
    }

    /** One panel of a figure. */
    public sealed interface Panel permits Cells, Picture, Wave {
        /** The panel's heading. */
        String title();

        /** Width of the drawing in pixels. */
        int width();

        /** Height of the drawing in pixels (without the heading). */
        int height();
    }

    /**
     * Values on a grid, row by row, coloured by the figure's scale; NaN cells stay blank.
     *
     * @param labels a character (or short text) per cell drawn over it, or null
     */
    public record Cells(String title, int rows, int cols, double[] values, String @Nullable [] labels, int cellWidth,
                        int cellHeight) implements Panel {
        public Cells {
            if (values.length != rows * cols || (labels != null && labels.length != values.length)) {
                throw new IllegalArgumentException("panel '" + title + "' is " + rows + " x " + cols + " but has " + values.length
                        + " values" + (labels == null ? "" : " and " + labels.length + " labels"));
            }
        }

        @Override
        public int width() {
            return cols * cellWidth;
        }

        @Override
        public int height() {
            return rows * cellHeight;
        }
    }

    /** A grey picture, values in [0, 1] (0 black) row by row. */
    public record Picture(String title, int rows, int cols, double[] grey, int cellSize) implements Panel {
        public Picture {
            if (grey.length != rows * cols) {
                throw new IllegalArgumentException("picture '" + title + "' is " + rows + " x " + cols + " but has " + grey.length
                        + " values");
            }
        }

        @Override
        public int width() {
            return cols * cellSize;
        }

        @Override
        public int height() {
            return rows * cellSize;
        }
    }

    /** A waveform drawn as a line over its own width, symmetric about its middle. */
    public record Wave(String title, float[] samples, int width, int height) implements Panel {
    }

    /**
     * Draws the figure and writes it atomically.
     *
     * @param perRow     panels per row
     * @param scaleLabel the colour bar's caption
     */
    public static void write(Path png, String title, String subtitle, List<Panel> panels, int perRow, ColourScale scale,
                             String scaleLabel) {
        List<List<Panel>> rows = new ArrayList<>();
        for (int i = 0; i < panels.size(); i += perRow) {
            rows.add(panels.subList(i, Math.min(panels.size(), i + perRow)));
        }
        int contentWidth = 0;
        int contentHeight = 0;
        for (List<Panel> row : rows) {
            contentWidth = Math.max(contentWidth, row.stream().mapToInt(Panel::width).sum() + GAP * (row.size() - 1));
            contentHeight += PANEL_TITLE + row.stream().mapToInt(Panel::height).max().orElse(0) + GAP;
        }
        int headerHeight = 64;
        int barArea = 110;
        int width = Math.max(MARGIN * 2 + contentWidth + barArea, 480);
        int subtitleLines = wrap(subtitle, MEASURE.getFontMetrics(TEXT_FONT), width - 2 * MARGIN).size();
        int height = Math.max(MARGIN + headerHeight + contentHeight, headerHeight + 260) + 17 * (subtitleLines - 1);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setColor(INK);
            g.setFont(TITLE_FONT);
            g.drawString(title, MARGIN, MARGIN + 14);
            g.setColor(MUTED);
            g.setFont(TEXT_FONT);
            List<String> lines = wrap(subtitle, g.getFontMetrics(), width - 2 * MARGIN);
            for (int i = 0; i < lines.size(); i++) {
                g.drawString(lines.get(i), MARGIN, MARGIN + 36 + 17 * i);
            }
            int y = MARGIN + headerHeight + 17 * (lines.size() - 1);
            for (List<Panel> row : rows) {
                int x = MARGIN;
                int rowHeight = row.stream().mapToInt(Panel::height).max().orElse(0);
                for (Panel panel : row) {
                    g.setColor(INK);
                    g.setFont(TEXT_FONT);
                    g.drawString(panel.title(), x, y + 14);
                    draw(g, panel, x, y + PANEL_TITLE, scale);
                    x += panel.width() + GAP;
                }
                y += PANEL_TITLE + rowHeight + GAP;
            }
            drawColourBar(g, scale, scaleLabel, MARGIN + contentWidth + 40, MARGIN + headerHeight + 17 * (lines.size() - 1) + PANEL_TITLE,
                    Math.min(240, Math.max(120, contentHeight - PANEL_TITLE - GAP)));
        } finally {
            g.dispose();
        }
        AtomicFiles.write(png, out -> ImageIO.write(image, "png", out));
    }

    /** A graphics context for measuring text before the figure's size is known. */
    private static final Graphics2D MEASURE = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();

    /** {@code text} broken at spaces into lines no wider than {@code width}. */
    private static List<String> wrap(String text, FontMetrics fm, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            String candidate = line.isEmpty() ? word : line + " " + word;
            if (!line.isEmpty() && fm.stringWidth(candidate) > width) {
                lines.add(line.toString());
                line = new StringBuilder(word);
            } else {
                line = new StringBuilder(candidate);
            }
        }
        lines.add(line.toString());
        return lines;
    }

    private static void draw(Graphics2D g, Panel panel, int x, int y, ColourScale scale) {
        switch (panel) {
            case Cells c -> {
                g.setFont(CELL_FONT);
                FontMetrics fm = g.getFontMetrics();
                for (int r = 0; r < c.rows(); r++) {
                    for (int col = 0; col < c.cols(); col++) {
                        int i = r * c.cols() + col;
                        double v = c.values()[i];
                        if (Double.isNaN(v)) {
                            continue;
                        }
                        Color colour = scale.colour(v);
                        g.setColor(colour);
                        g.fillRect(x + col * c.cellWidth(), y + r * c.cellHeight(), c.cellWidth(), c.cellHeight());
                        String label = c.labels() == null ? null : c.labels()[i];
                        if (label != null && !label.isEmpty()) {
                            g.setColor(luminance(colour) > 0.55 ? Color.BLACK : Color.WHITE);
                            int tx = x + col * c.cellWidth() + (c.cellWidth() - fm.stringWidth(label)) / 2;
                            int ty = y + r * c.cellHeight() + (c.cellHeight() + fm.getAscent() - fm.getDescent()) / 2;
                            g.drawString(label, tx, ty);
                        }
                    }
                }
                g.setColor(new Color(0xbbbbbb));
                g.drawRect(x, y, c.width(), c.height());
            }
            case Picture p -> {
                for (int r = 0; r < p.rows(); r++) {
                    for (int col = 0; col < p.cols(); col++) {
                        int level = (int) Math.round(Math.clamp(p.grey()[r * p.cols() + col], 0.0, 1.0) * 255);
                        g.setColor(new Color(level, level, level));
                        g.fillRect(x + col * p.cellSize(), y + r * p.cellSize(), p.cellSize(), p.cellSize());
                    }
                }
            }
            case Wave w -> {
                g.setColor(new Color(0xf4f4f4));
                g.fillRect(x, y, w.width(), w.height());
                float peak = 1e-9f;
                for (float s : w.samples()) {
                    peak = Math.max(peak, Math.abs(s));
                }
                Path2D line = new Path2D.Double();
                int n = w.samples().length;
                for (int i = 0; i < n; i++) {
                    double px = x + (double) i * w.width() / n;
                    double py = y + w.height() / 2.0 - w.samples()[i] / peak * (w.height() / 2.0 - 2);
                    if (i == 0) {
                        line.moveTo(px, py);
                    } else {
                        line.lineTo(px, py);
                    }
                }
                g.setColor(new Color(0x1f77b4));
                g.setStroke(new BasicStroke(0.8f));
                g.draw(line);
            }
        }
    }

    private static void drawColourBar(Graphics2D g, ColourScale scale, String label, int x, int y, int height) {
        for (int i = 0; i < height; i++) {
            g.setColor(ColourScale.colourAt(1 - (double) i / (height - 1)));
            g.fillRect(x, y + i, BAR_WIDTH, 1);
        }
        g.setColor(new Color(0x999999));
        g.drawRect(x, y, BAR_WIDTH, height);
        g.setFont(SMALL_FONT);
        for (double tick : scale.ticks()) {
            int ty = y + (int) Math.round((1 - scale.position(tick)) * (height - 1));
            g.setColor(INK);
            g.drawLine(x + BAR_WIDTH, ty, x + BAR_WIDTH + 4, ty);
            g.drawString(format(tick), x + BAR_WIDTH + 7, ty + 4);
        }
        g.setFont(TEXT_FONT);
        g.setColor(INK);
        g.drawString(label, x - 8, y - 8);
    }

    /** A tick label: two significant digits, plainly written between 0.001 and 10,000. */
    static String format(double v) {
        if (v >= 1e-3 && v < 1e4) {
            return new BigDecimal(v).round(new MathContext(2)).stripTrailingZeros().toPlainString();
        }
        return String.format(Locale.ROOT, "%.1e", v);
    }

    private static double luminance(Color c) {
        return (0.2126 * c.getRed() + 0.7152 * c.getGreen() + 0.0722 * c.getBlue()) / 255;
    }
}
