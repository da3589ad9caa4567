package org.ssm4j.experiments.report;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.ssm4j.io.AtomicFiles;

import java.awt.BasicStroke;
import java.awt.Color;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.List;

/**
 * Line charts as PNG files, drawn with JFreeChart without a display (the JVM is switched to
 * headless mode before AWT loads, unless told otherwise).
 */
public final class Charts {

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private static final int WIDTH = 900;
    private static final int HEIGHT = 540;
    private static final Color[] PALETTE = {
            new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
            new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)};

    private Charts() {
    }

    /** Scale of an axis. */
    public enum Scale {
        /** Linear, fitted to the data. */
        LINEAR,
        /** Linear from 0 (sizes such as memory, whose distance from zero is the point). */
        ZERO_BASED,
        /** Linear from 0 to 1 (accuracies). */
        FRACTION,
        /** Logarithmic base 2 with a tick at each power of two (sequence lengths). */
        LOG2,
        /**
         * Logarithmic base 10 with a tick at each power of ten when the data spans more than a
         * factor of 20 (losses, throughput); linear otherwise, where a log axis would show no
         * tick at all.
         */
        LOG10
    }

    /** Above this ratio of largest to smallest value a {@link Scale#LOG10} axis is logarithmic. */
    private static final double LOG_WORTHWHILE_RATIO = 20;

    /**
     * One line of a chart; points whose x or y is not finite (or not positive on a log axis)
     * are left out.
     *
     * @param name   legend label
     * @param x      x values
     * @param y      y values, as many as x
     * @param points whether to mark each point
     */
    public record Series(String name, double[] x, double[] y, boolean points) {
        public Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException("series '" + name + "' has " + x.length + " x values and " + y.length + " y values");
            }
        }
    }

    /** Draws the series as lines and writes a PNG to {@code png} atomically. */
    public static void writeLineChart(Path png, String title, String xLabel, Scale xScale, String yLabel, Scale yScale,
                                      List<Series> series) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Series s : series) {
            XYSeries xy = new XYSeries(s.name(), false, true);
            for (int i = 0; i < s.x().length; i++) {
                if (plottable(s.x()[i], xScale) && plottable(s.y()[i], yScale)) {
                    xy.add(s.x()[i], s.y()[i]);
                }
            }
            data.addSeries(xy);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL,
                series.size() > 1, false, false);
        chart.setBackgroundPaint(Color.WHITE);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xdddddd));
        plot.setRangeGridlinePaint(new Color(0xdddddd));
        plot.setDomainAxis(axis(xLabel, xScale, data, true));
        plot.setRangeAxis(axis(yLabel, yScale, data, false));
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer();
        for (int i = 0; i < series.size(); i++) {
            renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            renderer.setSeriesStroke(i, new BasicStroke(series.get(i).points() ? 2.0f : 1.2f));
            renderer.setSeriesShapesVisible(i, series.get(i).points());
        }
        plot.setRenderer(renderer);
        AtomicFiles.write(png, out -> ChartUtils.writeChartAsPNG(out, chart, WIDTH, HEIGHT));
    }

    private static boolean plottable(double value, Scale scale) {
        return Double.isFinite(value) && (scale == Scale.LINEAR || scale == Scale.ZERO_BASED || value > 0);
    }

    private static ValueAxis axis(String label, Scale scale, XYSeriesCollection data, boolean domain) {
        return switch (scale) {
            case LINEAR -> linear(label);
            case ZERO_BASED -> {
                NumberAxis axis = new NumberAxis(label);
                axis.setAutoRangeIncludesZero(true);
                yield axis;
            }
            case FRACTION -> {
                NumberAxis axis = new NumberAxis(label);
                axis.setRange(0, 1.02);
                yield axis;
            }
            case LOG2 -> logarithmic(label, 2, new DecimalFormat("#,##0"));
            case LOG10 -> {
                double[] range = positiveRange(data, domain);
                yield range[1] / range[0] > LOG_WORTHWHILE_RATIO ? logarithmic(label, 10, new DecimalFormat("0.#E0")) : linear(label);
            }
        };
    }

    private static NumberAxis linear(String label) {
        NumberAxis axis = new NumberAxis(label);
        axis.setAutoRangeIncludesZero(false);
        return axis;
    }

    private static LogAxis logarithmic(String label, double base, DecimalFormat format) {
        LogAxis axis = new LogAxis(label);
        axis.setBase(base);
        axis.setTickUnit(new NumberTickUnit(1));
        axis.setNumberFormatOverride(format);
        axis.setSmallestValue(1e-12);
        return axis;
    }

    /** Smallest and largest positive value along one dimension ({1, 1} if there is none). */
    private static double[] positiveRange(XYSeriesCollection data, boolean domain) {
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        for (int s = 0; s < data.getSeriesCount(); s++) {
            for (int i = 0; i < data.getItemCount(s); i++) {
                double v = domain ? data.getXValue(s, i) : data.getYValue(s, i);
                if (v > 0) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        return max > 0 ? new double[]{min, max} : new double[]{1, 1};
    }
}
