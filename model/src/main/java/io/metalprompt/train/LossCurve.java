package io.metalprompt.train;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.imageio.ImageIO;

/**
 * Training curves: appended to a CSV as training goes (so a resumed run continues the same file) and
 * drawn as a PNG (headless AWT) with a smoothed line per series.
 */
public final class LossCurve {

    private static final Color[] COLORS = {new Color(31, 119, 180), new Color(214, 39, 40),
            new Color(44, 160, 44), new Color(148, 103, 189)};

    /** Image size and the plot area's margins, in pixels. */
    private static final int W = 900;
    private static final int H = 500;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;

    private final Path csv;
    private final List<String> series;

    /** {@code series}: the value columns after {@code step}, e.g. {@code loss, answer_acc}. */
    public LossCurve(Path csv, List<String> series) {
        this.csv = csv;
        this.series = List.copyOf(series);
        try {
            if (!Files.exists(csv)) {
                Files.createDirectories(csv.toAbsolutePath().getParent());
                Files.writeString(csv, "step," + String.join(",", series) + "\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + csv, e);
        }
    }

    public void append(long step, double... values) {
        StringBuilder line = new StringBuilder().append(step);
        for (double v : values) {
            line.append(',').append(String.format(Locale.ROOT, "%.6f", v));
        }
        try {
            Files.writeString(csv, line.append('\n'), StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + csv, e);
        }
    }

    /** Drops rows after {@code step} (a resumed run repeats the steps after its checkpoint). */
    public void truncateAfter(long step) {
        try {
            List<String> lines = Files.readAllLines(csv);
            List<String> kept = new ArrayList<>();
            kept.add(lines.get(0));
            for (String l : lines.subList(1, lines.size())) {
                if (Long.parseLong(l.substring(0, l.indexOf(','))) <= step) {
                    kept.add(l);
                }
            }
            Files.write(csv, kept);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rewrite " + csv, e);
        }
    }

    /** Draws every series against step into {@code png} (each series on its own 0..max scale), titled. */
    public void plot(Path png, String title) {
        List<double[]> rows = rows();
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        g.drawString(title, LEFT, 24);
        g.drawRect(LEFT, TOP, W - LEFT - RIGHT, H - TOP - BOTTOM);
        if (!rows.isEmpty()) {
            double maxStep = rows.get(rows.size() - 1)[0];
            double minStep = rows.get(0)[0];
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            g.drawString(String.format(Locale.ROOT, "step %.0f", minStep), LEFT, H - BOTTOM + 16);
            g.drawString(String.format(Locale.ROOT, "step %.0f", maxStep), W - RIGHT - 70, H - BOTTOM + 16);
            for (int s = 0; s < series.size(); s++) {
                drawSeries(g, rows, s, minStep, maxStep);
            }
        }
        g.dispose();
        try {
            ImageIO.write(img, "png", png.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png, e);
        }
    }

    /** The CSV's data rows: step, then one value per series. */
    private List<double[]> rows() {
        List<double[]> rows = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(csv);
            for (String l : lines.subList(1, lines.size())) {
                String[] parts = l.split(",");
                double[] r = new double[parts.length];
                for (int i = 0; i < parts.length; i++) {
                    r[i] = Double.parseDouble(parts[i]);
                }
                rows.add(r);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + csv, e);
        }
        return rows;
    }

    /** Series {@code s}, exponentially smoothed, on its own 0..max scale, with its legend line. */
    private void drawSeries(Graphics2D g, List<double[]> rows, int s, double minStep, double maxStep) {
        int col = s + 1;
        // a series may have no value on some rows (NaN, or a column added to an older CSV): skipped
        List<double[]> have = rows.stream().filter(r -> r.length > col && Double.isFinite(r[col])).toList();
        if (have.isEmpty()) {
            return;
        }
        double max = have.stream().mapToDouble(r -> r[col]).max().orElse(1);
        double scale = max > 0 ? max : 1;
        double smooth = have.get(0)[col];
        double alpha = Math.min(1.0, 20.0 / rows.size());
        int px = -1;
        int py = -1;
        g.setColor(COLORS[s % COLORS.length]);
        g.setStroke(new BasicStroke(1.6f));
        for (double[] r : have) {
            smooth = alpha * r[col] + (1 - alpha) * smooth;
            int x = LEFT + (int) ((W - LEFT - RIGHT) * (r[0] - minStep) / Math.max(1, maxStep - minStep));
            int y = H - BOTTOM - (int) ((H - TOP - BOTTOM) * smooth / scale);
            if (px >= 0) {
                g.drawLine(px, py, x, y);
            }
            px = x;
            py = y;
        }
        g.drawString(String.format(Locale.ROOT, "%s (axis 0..%.3f, last %.4f)", series.get(s), scale,
                have.get(have.size() - 1)[col]), LEFT + 10, TOP + 18 + 16 * s);
    }
}
