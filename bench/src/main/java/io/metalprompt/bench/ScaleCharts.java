package io.metalprompt.bench;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntToDoubleFunction;
import java.util.function.ToDoubleFunction;

import javax.imageio.ImageIO;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The scale run's curves as PNGs beside docs/benchmarks.md (XChart, drawn headless): {@code scale-tasks.png} (latency,
 * throughput and the prefix cache's hit rate against ready tasks, a line per client count), {@code scale-clients.png}
 * (latency and throughput against clients, a line per task count) and {@code scale-examples.png} (generation time and
 * serving latency against examples per task). Each file holds its panels side by side.
 */
final class ScaleCharts {

    private static final int WIDTH = 560;
    private static final int HEIGHT = 420;
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
            new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b)};

    private ScaleCharts() {
    }

    /** Writes the charts into {@code dir}; {@code bestHitRate}: the best static hit rate of a task count. */
    static List<Path> write(Path dir, List<ZipfLoad.Result> grid, List<ExamplesScale.Served> served,
                            List<ExamplesScale.Generated> generated, IntToDoubleFunction bestHitRate) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        int[] tasks = grid.stream().mapToInt(ZipfLoad.Result::tasks).distinct().sorted().toArray();
        int[] clients = grid.stream().mapToInt(ZipfLoad.Result::clients).distinct().sorted().toArray();
        if (!grid.isEmpty()) {
            written.add(save(dir.resolve("scale-tasks.png"),
                    latency(grid, "ready tasks", true, clients, ZipfLoad.Result::clients, ZipfLoad.Result::tasks, " clients"),
                    throughput(grid, "ready tasks", true, clients, ZipfLoad.Result::clients, ZipfLoad.Result::tasks, " clients"),
                    hitRate(grid, tasks, clients, bestHitRate)));
            written.add(save(dir.resolve("scale-clients.png"),
                    latency(grid, "clients", false, tasks, ZipfLoad.Result::tasks, ZipfLoad.Result::clients, " tasks"),
                    throughput(grid, "clients", false, tasks, ZipfLoad.Result::tasks, ZipfLoad.Result::clients, " tasks")));
        }
        if (!served.isEmpty() || !generated.isEmpty()) {
            written.add(save(dir.resolve("scale-examples.png"), generation(served, generated), servingByExamples(served)));
        }
        return written;
    }

    /** p50 (solid) and p99 (dashed) against {@code x}, a colour per value of {@code line}. */
    private static XYChart latency(List<ZipfLoad.Result> grid, String xTitle, boolean logX, int[] lines,
                                   ToDoubleFunction<ZipfLoad.Result> line, ToDoubleFunction<ZipfLoad.Result> x,
                                   String unit) {
        XYChart c = chart("p50 (solid) and p99 (dashed) against " + xTitle, xTitle, "ms (log scale)", logX);
        c.getStyler().setYAxisLogarithmic(true);
        c.getStyler().setYAxisLogarithmicDecadeOnly(false);
        for (int i = 0; i < lines.length; i++) {
            List<ZipfLoad.Result> mine = of(grid, line, lines[i]);
            add(c, label(lines[i], unit), mine, x, ZipfLoad.Result::p50, COLORS[i % COLORS.length], false);
            add(c, "p99, " + label(lines[i], unit), mine, x, ZipfLoad.Result::p99, COLORS[i % COLORS.length], true)
                    .ifPresent(p99 -> p99.setShowInLegend(false));
        }
        return c;
    }

    private static XYChart throughput(List<ZipfLoad.Result> grid, String xTitle, boolean logX, int[] lines,
                                      ToDoubleFunction<ZipfLoad.Result> line, ToDoubleFunction<ZipfLoad.Result> x,
                                      String unit) {
        XYChart c = chart("Throughput against " + xTitle, xTitle, "requests/s", logX);
        c.getStyler().setYAxisMin(0.0);
        for (int i = 0; i < lines.length; i++) {
            add(c, label(lines[i], unit), of(grid, line, lines[i]), x, ZipfLoad.Result::throughput,
                    COLORS[i % COLORS.length], false);
        }
        return c;
    }

    private static XYChart hitRate(List<ZipfLoad.Result> grid, int[] tasks, int[] clients, IntToDoubleFunction best) {
        XYChart c = chart("Worker prefix-cache hit rate", "ready tasks", "hit rate", true);
        c.getStyler().setYAxisMin(0.0);
        c.getStyler().setYAxisMax(1.0);
        for (int i = 0; i < clients.length; i++) {
            add(c, label(clients[i], " client"), of(grid, ZipfLoad.Result::clients, clients[i]), ZipfLoad.Result::tasks,
                    ZipfLoad.Result::hitRate, COLORS[i % COLORS.length], false);
        }
        double[] x = new double[tasks.length];
        double[] y = new double[tasks.length];
        for (int i = 0; i < tasks.length; i++) {
            x[i] = tasks[i];
            y[i] = best.applyAsDouble(tasks[i]);
        }
        style(c.addSeries("best static", x, y), Color.BLACK, true);
        return c;
    }

    private static XYChart generation(List<ExamplesScale.Served> served, List<ExamplesScale.Generated> generated) {
        XYChart c = chart("Prompt generation against examples per task", "examples per task", "ms per task", false);
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        c.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
        c.getStyler().setYAxisMin(0.0);
        if (!generated.isEmpty()) {
            double[] k = generated.stream().mapToDouble(ExamplesScale.Generated::examples).toArray();
            style(c.addSeries("PGM in-process, one task", k,
                    generated.stream().mapToDouble(ExamplesScale.Generated::singleMs).toArray()), COLORS[0], false);
            style(c.addSeries("PGM in-process, per task of a batch", k,
                    generated.stream().mapToDouble(ExamplesScale.Generated::batchedMs).toArray()), COLORS[1], false);
        }
        if (!served.isEmpty()) {
            double[] k = served.stream().mapToDouble(ExamplesScale.Served::examples).toArray();
            style(c.addSeries("system: time to ready, p50", k,
                    served.stream().mapToDouble(ExamplesScale.Served::readyP50Ms).toArray()), COLORS[2], false);
            style(c.addSeries("system: prompt-generator timer", k,
                    served.stream().mapToDouble(ExamplesScale.Served::generatorMs).toArray()), COLORS[3], true);
        }
        return c;
    }

    private static XYChart servingByExamples(List<ExamplesScale.Served> served) {
        XYChart c = chart("Serving latency against examples per task", "examples per task", "ms", false);
        c.getStyler().setYAxisMin(0.0);
        if (!served.isEmpty()) {
            double[] k = served.stream().mapToDouble(ExamplesScale.Served::examples).toArray();
            style(c.addSeries("p50", k, served.stream().mapToDouble(s -> s.serving().p50()).toArray()), COLORS[0], false);
            style(c.addSeries("p99", k, served.stream().mapToDouble(s -> s.serving().p99()).toArray()), COLORS[0], true);
        }
        return c;
    }

    private static XYChart chart(String title, String xTitle, String yTitle, boolean logX) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle)
                .build();
        XYStyler styler = c.getStyler();
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setLegendLayout(Styler.LegendLayout.Horizontal);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setXAxisLogarithmic(logX);
        styler.setXAxisDecimalPattern("#,###");
        return c;
    }

    private static Optional<XYSeries> add(XYChart c, String name, List<ZipfLoad.Result> points,
                                          ToDoubleFunction<ZipfLoad.Result> x, ToDoubleFunction<ZipfLoad.Result> y,
                                          Color color, boolean dashed) {
        List<ZipfLoad.Result> known = points.stream().filter(r -> !Double.isNaN(y.applyAsDouble(r))).toList();
        if (known.isEmpty()) {
            return Optional.empty();
        }
        XYSeries s = c.addSeries(name, known.stream().mapToDouble(x).toArray(), known.stream().mapToDouble(y).toArray());
        style(s, color, dashed);
        return Optional.of(s);
    }

    /** "1 client", "8 clients", "1,000 tasks". */
    private static String label(int n, String unit) {
        String one = unit.endsWith("s") ? unit.substring(0, unit.length() - 1) : unit;
        return String.format(java.util.Locale.ROOT, "%,d", n) + (n == 1 ? one : one + "s");
    }

    private static void style(XYSeries s, Color color, boolean dashed) {
        s.setLineColor(color);
        s.setMarkerColor(color);
        s.setMarker(SeriesMarkers.CIRCLE);
        s.setLineStyle(dashed ? SeriesLines.DASH_DASH : SeriesLines.SOLID);
    }

    private static List<ZipfLoad.Result> of(List<ZipfLoad.Result> grid, ToDoubleFunction<ZipfLoad.Result> key, int value) {
        return grid.stream().filter(r -> key.applyAsDouble(r) == value).toList();
    }

    /** The charts side by side in one PNG. */
    private static Path save(Path file, XYChart... charts) throws IOException {
        BufferedImage all = new BufferedImage(WIDTH * charts.length, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = all.createGraphics();
        try {
            for (int i = 0; i < charts.length; i++) {
                g.drawImage(BitmapEncoder.getBufferedImage(charts[i]), WIDTH * i, 0, null);
            }
        } finally {
            g.dispose();
        }
        ImageIO.write(all, "png", file.toFile());
        ServingBench.log("wrote " + file);
        return file;
    }
}
