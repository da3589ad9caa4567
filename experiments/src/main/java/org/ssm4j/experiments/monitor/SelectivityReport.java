package org.ssm4j.experiments.monitor;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.renderer.category.BoxAndWhiskerRenderer;
import org.jfree.data.statistics.BoxAndWhiskerItem;
import org.jfree.data.statistics.DefaultBoxAndWhiskerCategoryDataset;
import org.ssm4j.experiments.config.ConfigLoader;
import org.ssm4j.experiments.report.MarkdownTable;
import org.ssm4j.experiments.report.ReportSection;
import org.ssm4j.io.AtomicFiles;

import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How selective a trained Mamba is on one input: {@value #FILE_NAME} with each mixer's Δ
 * statistics and per-position means, {@value #HEATMAP_PNG} (Δ over the input's positions,
 * one panel per mixer, beside the input) and {@value #STATS_PNG} (the spread of Δ per
 * mixer), and a report section.
 */
public final class SelectivityReport {

    /** Statistics and per-position means, as JSON. */
    public static final String FILE_NAME = "selectivity.json";
    /** Δ over the input's positions. */
    public static final String HEATMAP_PNG = "delta_heatmap.png";
    /** The spread of Δ per mixer. */
    public static final String STATS_PNG = "delta_stats.png";

    private SelectivityReport() {
    }

    /** Probes the input's graph for Δ and writes the files into {@code runDir}; returns the section. */
    public static ReportSection write(Path runDir, ProbeInput input) {
        List<LayerDelta> deltas = SelectivityProbe.measure(input.sameDiff(), input.feeds());
        for (LayerDelta d : deltas) {
            if (d.length() != input.layout().length()) {
                throw new IllegalArgumentException("Δ of " + d.label() + " covers " + d.length() + " positions, the input has "
                        + input.layout().length());
            }
        }
        int real = input.layout().realLength();
        writeJson(runDir.resolve(FILE_NAME), input.description(), deltas, real);
        writeHeatMap(runDir.resolve(HEATMAP_PNG), input, deltas);
        writeStats(runDir.resolve(STATS_PNG), deltas, real);
        return section(input.description(), deltas, real);
    }

    private static void writeJson(Path file, String description, List<LayerDelta> deltas, int real) {
        ObjectNode root = ConfigLoader.json().createObjectNode().put("input", description);
        ArrayNode mixers = root.putArray("mixers");
        for (LayerDelta d : deltas) {
            LayerDelta.Stats s = d.stats();
            int[] selective = selective(d, real);
            double[] perPosition = d.perPosition(selective);
            LayerDelta.Stats p = LayerDelta.Stats.of(Arrays.copyOf(perPosition, real));
            ObjectNode node = mixers.addObject().put("layer", d.layer()).put("backward", d.backward())
                    .put("positions", d.length()).put("channels", d.channels());
            node.putObject("all").put("mean", s.mean()).put("std", s.std()).put("p10", s.p10()).put("median", s.median())
                    .put("p90", s.p90());
            ArrayNode channels = node.putArray("selective_channels");
            for (int c : selective) {
                channels.add(c);
            }
            node.putObject("per_position_over_selective_channels").put("mean", p.mean()).put("std", p.std()).put("p10", p.p10())
                    .put("median", p.median()).put("p90", p.p90());
            ArrayNode values = node.putArray("per_position");
            for (double v : perPosition) {
                values.add((float) v);
            }
        }
        AtomicFiles.writeString(file, root.toPrettyString() + "\n");
    }

    private static void writeHeatMap(Path png, ProbeInput input, List<LayerDelta> deltas) {
        int real = input.layout().realLength();
        double[][] maps = deltas.stream().map(d -> d.relativePerPosition(selective(d, real), real)).toArray(double[][]::new);
        ColourScale scale = ColourScale.spanning(maps);
        List<HeatMapFigure.Panel> panels = new ArrayList<>();
        int perRow;
        switch (input.layout()) {
            case PositionLayout.Image image -> {
                int side = 196;
                panels.add(new HeatMapFigure.Picture("input", image.rows(), image.cols(), image.pixels(), side / image.cols()));
                int cell = side / image.gridCols();
                for (int i = 0; i < deltas.size(); i++) {
                    panels.add(new HeatMapFigure.Cells(deltas.get(i).label(), image.gridRows(), image.gridCols(), maps[i], null,
                            cell, cell));
                }
                perRow = Math.min(panels.size(), 5);
            }
            case PositionLayout.Text text -> {
                int rows = Math.ceilDiv(text.length(), text.width());
                for (int i = 0; i < deltas.size(); i++) {
                    double[] grid = new double[rows * text.width()];
                    String[] labels = new String[grid.length];
                    Arrays.fill(grid, Double.NaN);
                    System.arraycopy(maps[i], 0, grid, 0, text.length());
                    System.arraycopy(text.characters(), 0, labels, 0, text.length());
                    panels.add(new HeatMapFigure.Cells(deltas.get(i).label(), rows, text.width(), grid, labels, 12, 18));
                }
                perRow = 1;
            }
            case PositionLayout.Audio audio -> {
                int cell = Math.max(1, 900 / audio.frames());
                panels.add(new HeatMapFigure.Wave("input waveform (" + audio.realFrames() + " of " + audio.frames()
                        + " frames hold sound)", audio.samples(), cell * audio.frames(), 80));
                for (int i = 0; i < deltas.size(); i++) {
                    panels.add(new HeatMapFigure.Cells(deltas.get(i).label(), 1, audio.frames(), maps[i], null, cell, 28));
                }
                perRow = 1;
            }
        }
        HeatMapFigure.write(png, "Where the model lets the input into its state: Δ per position",
                input.description() + "; colour: Δ (geometric mean over the quarter of the mixer's channels whose Δ varies "
                        + "most along this input) relative to its typical value over the input; bright = written into the state, "
                        + "dark = passed by", panels, perRow, scale, "Δ / typical");
    }

    private static void writeStats(Path png, List<LayerDelta> deltas, int real) {
        DefaultBoxAndWhiskerCategoryDataset data = new DefaultBoxAndWhiskerCategoryDataset();
        for (LayerDelta d : deltas) {
            data.add(item(d.stats()), "every position and channel", d.label());
            data.add(item(perPositionStats(d, real)), "per position (geometric mean over the most selective quarter of channels)",
                    d.label());
        }
        LogAxis axis = new LogAxis("Δ (log scale)");
        axis.setBase(10);
        axis.setTickUnit(new NumberTickUnit(1));
        axis.setNumberFormatOverride(new DecimalFormat("0.#####"));
        axis.setSmallestValue(1e-9);
        BoxAndWhiskerRenderer renderer = new BoxAndWhiskerRenderer();
        renderer.setMeanVisible(true);
        renderer.setMedianVisible(true);
        renderer.setFillBox(true);
        renderer.setMaxOutlierVisible(false);
        renderer.setMinOutlierVisible(false);
        renderer.setSeriesPaint(0, new Color(0x1f77b4));
        renderer.setSeriesPaint(1, new Color(0xff7f0e));
        renderer.setItemMargin(0.1);
        renderer.setMaximumBarWidth(0.04);
        CategoryPlot plot = new CategoryPlot(data, new CategoryAxis("mixer"), axis, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(0xdddddd));
        JFreeChart chart = new JFreeChart("Spread of Δ per mixer over one input (box: quartiles, whiskers: 10th–90th "
                + "percentile, line: median, circle: mean)", new Font(Font.SANS_SERIF, Font.BOLD, 14), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        AtomicFiles.write(png, out -> {
            try {
                ChartUtils.writeChartAsPNG(out, chart, Math.max(700, 160 * deltas.size() + 200), 520);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The quarter of a mixer's channels (at least one) whose Δ varies most along the input. */
    static int[] selective(LayerDelta d, int real) {
        return d.mostSelectiveChannels(Math.max(1, d.channels() / 4), real);
    }

    private static String delta(double v) {
        return String.format(Locale.ROOT, "%.3g", v);
    }

    private static BoxAndWhiskerItem item(LayerDelta.Stats s) {
        return new BoxAndWhiskerItem(s.mean(), s.median(), s.p25(), s.p75(), s.p10(), s.p90(), null, null, List.of());
    }

    private static LayerDelta.Stats perPositionStats(LayerDelta d, int real) {
        return LayerDelta.Stats.of(Arrays.copyOf(d.perPosition(selective(d, real)), real));
    }

    private static ReportSection section(String description, List<LayerDelta> deltas, int real) {
        MarkdownTable table = new MarkdownTable(List.of("mixer", "mean Δ", "std", "10th pct", "median", "90th pct",
                "per-position Δ: 10th–90th pct"));
        for (LayerDelta d : deltas) {
            LayerDelta.Stats s = d.stats();
            LayerDelta.Stats p = perPositionStats(d, real);
            table.row(List.of(d.label(), delta(s.mean()), delta(s.std()), delta(s.p10()), delta(s.median()), delta(s.p90()),
                    delta(p.p10()) + " – " + delta(p.p90())));
        }
        String text = String.format(Locale.ROOT, "Δ = softplus(dt_proj(x) + bias) is the step a Mamba mixer takes at each "
                + "position: a large Δ writes the position's input into the state and forgets what was there, a small Δ "
                + "passes the position by. A selective model varies Δ with the input; an LTI model's Δ is one constant per "
                + "channel. Measured on %s: statistics of every (position, channel) value, and the range (10th–90th "
                + "percentile) of the per-position Δ, the geometric mean at each position over the quarter of the mixer's "
                + "channels whose Δ varies most along the input, which shows how selective the mixer is.%n%n", description)
                + table.toMarkdown() + "\n"
                + ReportSection.plot("Δ per position", HEATMAP_PNG)
                + ReportSection.plot("Spread of Δ per mixer", STATS_PNG);
        return new ReportSection("Selectivity of Δ", text);
    }
}
