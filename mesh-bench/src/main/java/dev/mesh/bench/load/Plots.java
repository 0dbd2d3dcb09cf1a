package dev.mesh.bench.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The plots of a result file, drawn with XChart: axes with units, legends, titles naming the
 * scenario, N and the event loops, written as PNG next to the results. Everything is drawn from the
 * result file itself ({@code mesh-bench/run plot <file.json>} redraws them), including files
 * written before a series was recorded: a plot whose data a file lacks is skipped.
 */
final class Plots {

  private static final int WIDTH = 1000;
  private static final int HEIGHT = 520;

  static {
    System.setProperty("java.awt.headless", "true");
  }

  private Plots() {}

  /** Draws every plot the result's data allows into {@code dir}; returns the files written. */
  static List<Path> draw(JsonObject result, Path dir) throws IOException {
    Files.createDirectories(dir);
    List<Path> written = new ArrayList<>();
    String scenario = result.getString("scenario", "");
    int n =
        result.getInteger(
            "n", result.getJsonObject("options", new JsonObject()).getInteger("n", 0));
    List<JsonObject> runs = runs(result);
    switch (scenario) {
      case "broadcast" -> broadcast(runs, n, dir, written);
      case "idle", "connect" -> connect(runs, n, dir, written);
      case "compare" -> {
        connect(runs, n, dir, written);
        broadcast(runs, n, dir, written);
      }
      case "storm" -> storm(runs, n, dir, written);
      case "resume" -> resume(runs, n, dir, written);
      case "fanout" -> fanout(runs, n, dir, written);
      default -> {
        // publish, direct: their figures are single numbers, in the table
      }
    }
    return written;
  }

  /** The runs of a result; a file from before {@code --runs} is its own single run. */
  static List<JsonObject> runs(JsonObject result) {
    JsonArray runs = result.getJsonArray("runs");
    List<JsonObject> out = new ArrayList<>();
    if (runs == null) {
      out.add(result);
    } else {
      runs.forEach(r -> out.add((JsonObject) r));
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------------ broadcast

  private static void broadcast(List<JsonObject> runs, int n, Path dir, List<Path> written)
      throws IOException {
    Map<String, List<JsonObject>> byTarget = targets(runs, t -> t.containsKey("p99Ms"));
    if (byTarget.isEmpty()) {
      return;
    }
    // Summary bars: p50, p99 and max of every run of every target.
    CategoryChart summary =
        new CategoryChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(
                "Broadcast to "
                    + count(n)
                    + " subscribers: delivery latency by server"
                    + runsNote(runs))
            .xAxisTitle(serverAxis(runs))
            .yAxisTitle("latency (ms)")
            .build();
    style(summary);
    List<String> names = new ArrayList<>();
    Map<String, List<Number>> bars = new LinkedHashMap<>();
    for (Map.Entry<String, List<JsonObject>> e : byTarget.entrySet()) {
      for (int i = 0; i < e.getValue().size(); i++) {
        JsonObject t = e.getValue().get(i);
        names.add(label(t) + (e.getValue().size() > 1 ? " #" + (i + 1) : ""));
        bars.computeIfAbsent("p50", k -> new ArrayList<>()).add(t.getDouble("p50Ms"));
        bars.computeIfAbsent("p99", k -> new ArrayList<>()).add(t.getDouble("p99Ms"));
        bars.computeIfAbsent("max", k -> new ArrayList<>()).add(t.getDouble("maxMs"));
      }
    }
    bars.forEach((k, v) -> summary.addSeries(k, names, v));
    summary.getStyler().setXAxisLabelRotation(names.size() > 6 ? 30 : 0);
    written.add(save(summary, dir.resolve("broadcast-summary-" + n + ".png")));

    // Percentile curves, one per target (its median run by p99).
    XYChart curves =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(
                "Broadcast to "
                    + count(n)
                    + " subscribers: latency by percentile"
                    + medianNote(runs))
            .xAxisTitle("percentile of deliveries (%)")
            .yAxisTitle("delivery latency (ms)")
            .build();
    style(curves);
    curves.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
    for (Map.Entry<String, List<JsonObject>> e : byTarget.entrySet()) {
      JsonObject median = medianBy(e.getValue(), "p99Ms");
      JsonArray points = median.getJsonArray("latencyPercentilesMs");
      if (points == null || points.isEmpty()) {
        continue;
      }
      double[] x = new double[points.size()];
      double[] y = new double[points.size()];
      for (int i = 0; i < points.size(); i++) {
        x[i] = points.getJsonArray(i).getDouble(0);
        y[i] = points.getJsonArray(i).getDouble(1);
      }
      curves.addSeries(label(median), x, y).setMarker(SeriesMarkers.CIRCLE);
    }
    if (!curves.getSeriesMap().isEmpty()) {
      written.add(save(curves, dir.resolve("broadcast-percentiles-" + n + ".png")));
    }

    // One histogram per target, of its median run.
    for (Map.Entry<String, List<JsonObject>> e : byTarget.entrySet()) {
      JsonObject median = medianBy(e.getValue(), "p99Ms");
      JsonObject h = median.getJsonObject("latencyHistogram");
      if (h == null || h.getJsonArray("counts").isEmpty()) {
        continue;
      }
      JsonArray counts = h.getJsonArray("counts");
      double bin = h.getDouble("binMs");
      double[] x = new double[counts.size()];
      double[] y = new double[counts.size()];
      for (int i = 0; i < counts.size(); i++) {
        x[i] = (i + 0.5) * bin;
        y[i] = counts.getLong(i);
      }
      XYChart chart =
          new XYChartBuilder()
              .width(WIDTH)
              .height(HEIGHT)
              .title(
                  "Broadcast to "
                      + count(n)
                      + " subscribers, "
                      + label(median)
                      + ": delivery latency"
                      + medianNote(runs))
              .xAxisTitle(
                  String.format(
                      Locale.ROOT, "delivery latency (ms), bins of %.1f ms up to the p99.9", bin))
              .yAxisTitle("deliveries per bin")
              .build();
      style(chart);
      XYSeries bars2 = chart.addSeries("deliveries", x, y);
      bars2.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.StepArea);
      bars2.setMarker(SeriesMarkers.NONE);
      chart.getStyler().setXAxisDecimalPattern("#,##0.#").setXAxisMin(0.0);
      double range = bin * counts.size();
      mark(chart, h.getDouble("p50Ms"), "p50 " + ms(h.getDouble("p50Ms")), y, range);
      mark(chart, h.getDouble("p99Ms"), "p99 " + ms(h.getDouble("p99Ms")), y, range);
      written.add(save(chart, dir.resolve("broadcast-latency-" + e.getKey() + "-" + n + ".png")));
    }
  }

  // ------------------------------------------------------------------------------------------------ connect

  private static void connect(List<JsonObject> runs, int n, Path dir, List<Path> written)
      throws IOException {
    Map<String, List<JsonObject>> byTarget =
        targets(runs, t -> t.containsKey("rssBytesPerConnection"));
    if (byTarget.isEmpty()) {
      return;
    }
    CategoryChart rss =
        new CategoryChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title("Memory per idle connection, " + count(n) + " connections" + runsNote(runs))
            .xAxisTitle(serverAxis(runs))
            .yAxisTitle("RSS per connection (KiB)")
            .build();
    CategoryChart cpu =
        new CategoryChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(
                "CPU per 1,000 connects of the process holding the sockets, "
                    + count(n)
                    + " connects"
                    + runsNote(runs))
            .xAxisTitle(serverAxis(runs))
            .yAxisTitle("CPU seconds per 1,000 connects")
            .build();
    style(rss);
    style(cpu);
    List<String> names = new ArrayList<>();
    byTarget.values().forEach(list -> names.add(label(list.get(0))));
    int maxRuns = byTarget.values().stream().mapToInt(List::size).max().orElse(1);
    for (int r = 0; r < maxRuns; r++) {
      List<Number> rssValues = new ArrayList<>();
      List<Number> cpuValues = new ArrayList<>();
      for (List<JsonObject> list : byTarget.values()) {
        JsonObject t = r < list.size() ? list.get(r) : null;
        rssValues.add(t == null ? 0 : t.getLong("rssBytesPerConnection") / 1024.0);
        cpuValues.add(t == null ? 0 : t.getDouble("edgeCpuSecondsPer1000Connects"));
      }
      String series = maxRuns > 1 ? "run " + (r + 1) : "measured";
      rss.addSeries(series, names, rssValues);
      cpu.addSeries(series, names, cpuValues);
    }
    written.add(save(rss, dir.resolve("idle-rss-" + n + ".png")));
    written.add(save(cpu, dir.resolve("connect-cpu-" + n + ".png")));
  }

  // ------------------------------------------------------------------------------------------------ storm

  private static void storm(List<JsonObject> runs, int n, Path dir, List<Path> written)
      throws IOException {
    List<JsonObject> storms = new ArrayList<>();
    for (JsonObject run : runs) {
      JsonArray targets = run.getJsonArray("targets");
      storms.add(targets != null ? targets.getJsonObject(0) : run);
    }
    boolean several = storms.size() > 1;
    String survivor = storms.get(0).getInteger("nodes", 2) > 2 ? "survivors" : "survivor";
    String moved = storms.get(0).getValue("pagesOnKilledNode") + " of " + count(n) + " pages moved";

    // Reconnect attempts and the server's hints over time.
    XYChart attempts =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title("Storm after kill -9 (" + moved + "): reconnect attempts" + runsNote(runs))
            .xAxisTitle("time after the kill (s)")
            .yAxisTitle("per 100 ms")
            .build();
    style(attempts);
    for (int i = 0; i < storms.size(); i++) {
      JsonObject slots = storms.get(i).getJsonObject("perSlot");
      if (slots == null) {
        continue;
      }
      String suffix = several ? ", run " + (i + 1) : "";
      runStyle(line(attempts, "reconnect attempts" + suffix, slots, "attempts"), ATTEMPTS, i);
      if (slots.getJsonArray("firstAttempts") != null) {
        // Each moved page's first attempt after the kill: how widely the clients spread their
        // return.
        runStyle(
            line(attempts, "first attempt of each moved page" + suffix, slots, "firstAttempts"),
            FIRST,
            i);
      }
      if (sum(slots.getJsonArray("hintedRetries")) > 0) {
        runStyle(
            line(attempts, "retries on a server retry-after hint" + suffix, slots, "hintedRetries"),
            HINTS,
            i);
      }
    }
    if (!attempts.getSeriesMap().isEmpty()) {
      written.add(save(attempts, dir.resolve("storm-reconnects-" + n + ".png")));
    }

    // The survivor's admissions per second, and the moved pages welcomed and fully resumed
    // (cumulative %).
    XYChart admission =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(
                "Storm after kill -9 (" + moved + "): admissions and pages back" + runsNote(runs))
            .xAxisTitle("time after the kill (s)")
            .yAxisTitle("connections per second at the " + survivor)
            .build();
    style(admission);
    admission.setYAxisGroupTitle(1, "moved pages (% cumulative)");
    admission.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
    admission.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
    for (int i = 0; i < storms.size(); i++) {
      JsonObject s = storms.get(i);
      String suffix = several ? ", run " + (i + 1) : "";
      JsonArray opened = s.getJsonArray("survivorOpenedTotalOverTime");
      if (opened != null && opened.size() > 1) {
        // The counter is sampled every 250 ms: the rate is taken over the last second, not between
        // two samples.
        double[] x = new double[opened.size() - 1];
        double[] y = new double[opened.size() - 1];
        int from = 0;
        for (int k = 1; k < opened.size(); k++) {
          JsonArray b = opened.getJsonArray(k);
          while (from < k - 1
              && b.getDouble(0) - opened.getJsonArray(from + 1).getDouble(0) >= 1.0) {
            from++;
          }
          JsonArray a = opened.getJsonArray(from);
          double dt = b.getDouble(0) - a.getDouble(0);
          x[k - 1] = b.getDouble(0);
          y[k - 1] = dt > 0 ? Math.max(0, (b.getDouble(1) - a.getDouble(1)) / dt) : 0;
        }
        XYSeries rate =
            admission.addSeries(
                "connections opened/s, "
                    + (survivor.endsWith("s") ? "survivors' counters" : "survivor's counter")
                    + " (sampled)"
                    + suffix,
                x,
                y);
        rate.setMarker(SeriesMarkers.NONE);
        runStyle(rate, COUNTER, i);
        if (opened.getJsonArray(0).size() > 2) {
          // Deferred by admission control (close 4006) per second, over the same windows.
          double[] d = new double[x.length];
          int start = 0;
          for (int k = 1; k < opened.size(); k++) {
            JsonArray b = opened.getJsonArray(k);
            while (start < k - 1
                && b.getDouble(0) - opened.getJsonArray(start + 1).getDouble(0) >= 1.0) {
              start++;
            }
            JsonArray a = opened.getJsonArray(start);
            double dt = b.getDouble(0) - a.getDouble(0);
            d[k - 1] = dt > 0 ? Math.max(0, (b.getDouble(2) - a.getDouble(2)) / dt) : 0;
          }
          XYSeries deferrals =
              admission.addSeries("connections deferred/s (4006, sampled)" + suffix, x, d);
          deferrals.setMarker(SeriesMarkers.NONE);
          runStyle(deferrals, DEFERRED, i);
        }
      }
      JsonObject slots = s.getJsonObject("perSlot");
      Number pages = s.getNumber("pagesOnKilledNode");
      if (slots != null) {
        // Moved pages welcomed per second over the last second, from each page's own welcome time:
        // exact, where the
        // counter above is only as recent as the survivor's answer to a scrape.
        JsonArray welcomed = slots.getJsonArray("welcomed");
        double step = slots.getDouble("slotSeconds");
        int window = (int) Math.round(1 / step);
        double[] x = new double[welcomed.size()];
        double[] y = new double[welcomed.size()];
        long inWindow = 0;
        for (int k = 0; k < welcomed.size(); k++) {
          inWindow += welcomed.getLong(k) - (k >= window ? welcomed.getLong(k - window) : 0);
          x[k] = (k + 1) * step;
          y[k] = inWindow;
        }
        XYSeries rate = admission.addSeries("moved pages welcomed/s (last second)" + suffix, x, y);
        rate.setMarker(SeriesMarkers.NONE);
        runStyle(rate, ADMISSIONS, i);
      }
      if (slots != null && pages != null && pages.doubleValue() > 0) {
        runStyle(
            cumulative(
                admission, "pages welcomed %" + suffix, slots, "welcomed", pages.doubleValue()),
            WELCOMED,
            i);
        runStyle(
            cumulative(
                admission, "pages fully resumed %" + suffix, slots, "resumed", pages.doubleValue()),
            RESUMED,
            i);
      }
    }
    if (!admission.getSeriesMap().isEmpty()) {
      if (admission.getSeriesMap().values().stream().anyMatch(x -> x.getYAxisGroup() == 1)) {
        admission.getStyler().setYAxisMin(1, 0.0).setYAxisMax(1, 100.0);
      }
      written.add(save(admission, dir.resolve("storm-admission-" + n + ".png")));
    }

    // Publish ack latency of every publish sent after the kill.
    XYChart publish =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(
                "Storm after kill -9 ("
                    + moved
                    + "): publish ack latency, 10 publishes/s"
                    + runsNote(runs))
            .xAxisTitle("publish sent, time after the kill (s)")
            .yAxisTitle("ack latency (ms)")
            .build();
    style(publish);
    publish.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    for (int i = 0; i < storms.size(); i++) {
      JsonArray points = storms.get(i).getJsonArray("publishAcksAfterKill");
      if (points == null || points.isEmpty()) {
        continue;
      }
      List<Double> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (Object o : points) {
        JsonArray p = (JsonArray) o;
        if (p.getValue(1) != null) {
          x.add(p.getDouble(0));
          y.add(p.getDouble(1));
        }
      }
      if (!x.isEmpty()) {
        publish.addSeries("acknowledged publish" + (several ? ", run " + (i + 1) : ""), x, y);
      }
    }
    if (!publish.getSeriesMap().isEmpty()) {
      written.add(save(publish, dir.resolve("storm-publish-" + n + ".png")));
    }
  }

  private static final Color ATTEMPTS = new Color(200, 80, 50);
  private static final Color HINTS = new Color(40, 140, 60);
  private static final Color FIRST = new Color(90, 90, 200);
  private static final Color DEFERRED = new Color(230, 160, 30);
  private static final Color ADMISSIONS = new Color(50, 90, 200);
  private static final Color COUNTER = new Color(120, 170, 230);
  private static final Color WELCOMED = new Color(230, 150, 30);
  private static final Color RESUMED = new Color(140, 60, 170);
  private static final float[][] DASHES = {null, {8f, 5f}, {2f, 4f}, {12f, 4f, 2f, 4f}};

  /**
   * One colour per quantity, one line pattern per run: the runs of a quantity read as one family.
   */
  private static void runStyle(XYSeries series, Color color, int run) {
    series.setLineColor(color);
    series.setMarkerColor(color);
    float[] dash = DASHES[run % DASHES.length];
    series.setLineStyle(
        dash == null
            ? new BasicStroke(2f)
            : new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, dash, 0f));
  }

  private static XYSeries line(XYChart chart, String name, JsonObject slots, String key) {
    JsonArray values = slots.getJsonArray(key);
    double step = slots.getDouble("slotSeconds");
    double[] x = new double[values.size()];
    double[] y = new double[values.size()];
    for (int i = 0; i < values.size(); i++) {
      x[i] = i * step;
      y[i] = values.getLong(i);
    }
    XYSeries series = chart.addSeries(name, x, y);
    series.setMarker(SeriesMarkers.NONE);
    return series;
  }

  private static XYSeries cumulative(
      XYChart chart, String name, JsonObject slots, String key, double total) {
    JsonArray values = slots.getJsonArray(key);
    double step = slots.getDouble("slotSeconds");
    double[] x = new double[values.size()];
    double[] y = new double[values.size()];
    long sum = 0;
    for (int i = 0; i < values.size(); i++) {
      sum += values.getLong(i);
      x[i] = (i + 1) * step;
      y[i] = 100.0 * sum / total;
    }
    XYSeries series = chart.addSeries(name, x, y);
    series.setMarker(SeriesMarkers.NONE);
    series.setYAxisGroup(1);
    return series;
  }

  // ------------------------------------------------------------------------------------------------ resume

  private static void resume(List<JsonObject> runs, int n, Path dir, List<Path> written)
      throws IOException {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(
                count(n)
                    + " pages resume "
                    + ResumeScenario.MISSED
                    + " missed events at once"
                    + runsNote(runs))
            .xAxisTitle("percentile of pages (%)")
            .yAxisTitle("reconnect to last missed event (ms)")
            .build();
    style(chart);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
    for (int i = 0; i < runs.size(); i++) {
      JsonArray targets = runs.get(i).getJsonArray("targets");
      JsonObject t = targets == null ? runs.get(i) : targets.getJsonObject(0);
      JsonArray perPage = t.getJsonArray("pageResumeMs");
      if (perPage == null || perPage.isEmpty()) {
        continue;
      }
      int size = perPage.size();
      double[] x = new double[size];
      double[] y = new double[size];
      long total = t.getLong("pages", (long) size);
      for (int k = 0; k < size; k++) {
        x[k] = 100.0 * (k + 1) / total;
        y[k] = perPage.getDouble(k);
      }
      chart
          .addSeries(runs.size() > 1 ? "run " + (i + 1) : "pages", x, y)
          .setMarker(SeriesMarkers.NONE);
    }
    if (!chart.getSeriesMap().isEmpty()) {
      chart.getStyler().setXAxisMin(0.0).setXAxisMax(100.0);
      chart.getStyler().setYAxisMin(0.0);
      written.add(save(chart, dir.resolve("resume-pages-" + n + ".png")));
    }
  }

  // ------------------------------------------------------------------------------------------------ fanout

  private static void fanout(List<JsonObject> runs, int n, Path dir, List<Path> written)
      throws IOException {
    Map<String, List<JsonObject>> byTarget =
        targets(runs, t -> t.containsKey("deliveriesPerCpuSecond"));
    if (byTarget.isEmpty()) {
      return;
    }
    CategoryChart efficiency =
        new CategoryChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(
                "Fan-out to "
                    + count(n)
                    + " subscribers on one node: deliveries per server CPU-second"
                    + runsNote(runs))
            .xAxisTitle(serverAxis(runs))
            .yAxisTitle("deliveries per CPU-second")
            .build();
    CategoryChart reach =
        new CategoryChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(
                "Fan-out to "
                    + count(n)
                    + " subscribers on one node: broadcast reaches all, p50"
                    + runsNote(runs))
            .xAxisTitle(serverAxis(runs))
            .yAxisTitle("publish to last delivery (ms)")
            .build();
    style(efficiency);
    style(reach);
    List<String> names = new ArrayList<>();
    byTarget.values().forEach(list -> names.add(label(list.get(0))));
    int maxRuns = byTarget.values().stream().mapToInt(List::size).max().orElse(1);
    for (int r = 0; r < maxRuns; r++) {
      List<Number> e = new ArrayList<>();
      List<Number> a = new ArrayList<>();
      for (List<JsonObject> list : byTarget.values()) {
        JsonObject t = r < list.size() ? list.get(r) : null;
        e.add(
            t == null || t.getValue("deliveriesPerCpuSecond") == null
                ? 0
                : t.getDouble("deliveriesPerCpuSecond"));
        a.add(
            t == null || t.getValue("allReachedP50Ms") == null
                ? 0
                : t.getDouble("allReachedP50Ms"));
      }
      String series = maxRuns > 1 ? "run " + (r + 1) : "measured";
      efficiency.addSeries(series, names, e);
      reach.addSeries(series, names, a);
    }
    written.add(save(efficiency, dir.resolve("fanout-efficiency-" + n + ".png")));
    written.add(save(reach, dir.resolve("fanout-reach-" + n + ".png")));
  }

  // ------------------------------------------------------------------------------------------------ helpers

  /**
   * Target results by target key (name and event loops), in the order first seen, one entry per
   * run.
   */
  private static Map<String, List<JsonObject>> targets(
      List<JsonObject> runs, java.util.function.Predicate<JsonObject> kind) {
    Map<String, List<JsonObject>> out = new LinkedHashMap<>();
    for (JsonObject run : runs) {
      JsonArray targets = run.getJsonArray("targets");
      if (targets == null) {
        continue;
      }
      for (Object o : targets) {
        JsonObject t = (JsonObject) o;
        if (kind.test(t)) {
          String key =
              t.getString("target")
                  + (t.containsKey("eventLoops") ? "-" + t.getInteger("eventLoops") + "loops" : "");
          out.computeIfAbsent(key, k -> new ArrayList<>()).add(t);
        }
      }
    }
    // Histograms keep the file names the report links to: the name alone when there is one loop
    // count.
    Map<String, List<JsonObject>> renamed = new LinkedHashMap<>();
    long names = out.values().stream().map(l -> l.get(0).getString("target")).distinct().count();
    out.forEach((k, v) -> renamed.put(names == out.size() ? v.get(0).getString("target") : k, v));
    return renamed;
  }

  private static String serverAxis(List<JsonObject> runs) {
    boolean loops =
        runs.stream()
            .anyMatch(
                r ->
                    r.getJsonArray("targets") != null
                        && r.getJsonArray("targets").stream()
                            .anyMatch(t -> ((JsonObject) t).containsKey("eventLoops")));
    return loops ? "server (event loops)" : "server";
  }

  private static String label(JsonObject t) {
    if (!t.containsKey("eventLoops")) {
      return t.getString("target");
    }
    int loops = t.getInteger("eventLoops");
    return t.getString("target") + ", " + loops + (loops == 1 ? " loop" : " loops");
  }

  private static JsonObject medianBy(List<JsonObject> runs, String key) {
    List<JsonObject> sorted = new ArrayList<>(runs);
    sorted.sort(
        Comparator.comparingDouble(
            t -> t.getValue(key) == null ? Double.MAX_VALUE : t.getDouble(key)));
    return sorted.get((sorted.size() - 1) / 2);
  }

  private static String runsNote(List<JsonObject> runs) {
    return runs.size() > 1 ? " (" + runs.size() + " runs)" : "";
  }

  private static String medianNote(List<JsonObject> runs) {
    return runs.size() > 1 ? " (median run of " + runs.size() + " by p99)" : "";
  }

  private static String count(int n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static String ms(double v) {
    return String.format(Locale.ROOT, "%.1f ms", v);
  }

  private static long sum(JsonArray values) {
    long s = 0;
    if (values != null) {
      for (Object v : values) {
        s += ((Number) v).longValue();
      }
    }
    return s;
  }

  /**
   * A vertical line at {@code x} labelled just left of it (the p99 is often near the right edge).
   */
  private static void mark(XYChart chart, double x, String text, double[] ys, double range) {
    double top = 0;
    for (double y : ys) {
      top = Math.max(top, y);
    }
    chart.addAnnotation(new AnnotationLine(x, true, false));
    chart.addAnnotation(
        new AnnotationText(
            text, x - 0.06 * range, top * (text.startsWith("p99") ? 0.8 : 0.95), false));
  }

  private static void style(Chart<?, ?> chart) {
    Styler s = chart.getStyler();
    s.setChartBackgroundColor(Color.WHITE);
    s.setPlotBackgroundColor(Color.WHITE);
    s.setLegendPosition(Styler.LegendPosition.InsideNE);
    s.setLegendBorderColor(Color.LIGHT_GRAY);
    s.setPlotBorderColor(Color.LIGHT_GRAY);
    s.setChartTitleBoxVisible(false);
  }

  private static Path save(Chart<?, ?> chart, Path file) throws IOException {
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    return file;
  }
}
