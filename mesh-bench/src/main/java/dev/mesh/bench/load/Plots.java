package dev.mesh.bench.load;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** PNG charts drawn with Java2D (no network, no plotting library): a latency histogram and a time series. */
final class Plots {

  private static final int W = 900;
  private static final int H = 420;
  private static final int LEFT = 70;
  private static final int BOTTOM = 50;
  private static final int TOP = 40;

  private Plots() {
  }

  /** Histogram of latencies (microseconds, sorted) in 40 bins up to p99.9, with p50/p99 marked. */
  static void histogram(Path file, String title, long[] sortedMicros) throws IOException {
    if (sortedMicros.length == 0) {
      return;
    }
    double max = Latencies.percentileMillis(sortedMicros, 99.9);
    int bins = 40;
    long[] counts = new long[bins];
    for (long v : sortedMicros) {
      int bin = (int) Math.min(bins - 1, v / 1000.0 / max * bins);
      counts[Math.max(0, bin)]++;
    }
    BufferedImage image = canvas();
    Graphics2D g = graphics(image, title);
    long top = 1;
    for (long c : counts) {
      top = Math.max(top, c);
    }
    int plotW = W - LEFT - 20;
    int plotH = H - TOP - BOTTOM;
    g.setColor(new Color(70, 110, 190));
    for (int i = 0; i < bins; i++) {
      int h = (int) (counts[i] * (double) plotH / top);
      g.fillRect(LEFT + i * plotW / bins, H - BOTTOM - h, plotW / bins - 2, h);
    }
    axes(g, String.format(Locale.ROOT, "latency, ms (0 .. %.1f = p99.9)", max), "deliveries");
    marker(g, Latencies.percentileMillis(sortedMicros, 50), max, plotW, "p50");
    marker(g, Latencies.percentileMillis(sortedMicros, 99), max, plotW, "p99");
    write(image, file);
  }

  /** Bars of {@code values}, one per {@code step} seconds. */
  static void series(Path file, String title, long[] values, double step) throws IOException {
    BufferedImage image = canvas();
    Graphics2D g = graphics(image, title);
    long top = 1;
    for (long v : values) {
      top = Math.max(top, v);
    }
    int plotW = W - LEFT - 20;
    int plotH = H - TOP - BOTTOM;
    g.setColor(new Color(200, 90, 60));
    for (int i = 0; i < values.length; i++) {
      int h = (int) (values[i] * (double) plotH / top);
      g.fillRect(LEFT + i * plotW / values.length, H - BOTTOM - h, Math.max(1, plotW / values.length - 1), h);
    }
    axes(g, String.format(Locale.ROOT, "seconds after the kill (0 .. %.1f)", values.length * step),
        "attempts (max " + top + ")");
    write(image, file);
  }

  private static BufferedImage canvas() {
    return new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
  }

  private static Graphics2D graphics(BufferedImage image, String title) {
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, W, H);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    g.drawString(title, LEFT, 25);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    return g;
  }

  private static void axes(Graphics2D g, String xLabel, String yLabel) {
    g.setColor(Color.BLACK);
    g.setStroke(new BasicStroke(1.5f));
    g.drawLine(LEFT, H - BOTTOM, W - 20, H - BOTTOM);
    g.drawLine(LEFT, TOP, LEFT, H - BOTTOM);
    g.drawString(xLabel, LEFT + 200, H - 15);
    g.drawString(yLabel, 5, TOP - 5);
  }

  private static void marker(Graphics2D g, double valueMs, double maxMs, int plotW, String label) {
    int x = LEFT + (int) (Math.min(1, valueMs / maxMs) * plotW);
    g.setColor(new Color(0, 150, 0));
    g.drawLine(x, TOP, x, H - BOTTOM);
    g.drawString(String.format(Locale.ROOT, "%s %.1f ms", label, valueMs), x + 3, TOP + 15 + (label.equals("p99") ? 15 : 0));
  }

  private static void write(BufferedImage image, Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    ImageIO.write(image, "png", file.toFile());
  }
}
