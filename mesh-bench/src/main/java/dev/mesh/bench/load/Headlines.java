package dev.mesh.bench.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The headline figures of a command run several times: each figure is the median of its runs, with
 * the spread (min-max) next to it. A figure a run could not give (a percentile that falls on pages
 * that never resumed) is {@code null} in that run and counts as worse than any number: the median
 * is null when most runs could not give it, and the max is null when any run could not.
 */
final class Headlines {

  private Headlines() {}

  /**
   * One headline figure of one run.
   *
   * @param key stable name in the results file
   * @param label what it is, for people
   * @param unit unit of {@code value}
   * @param value the measured value; null when the run could not measure it (e.g. not every page
   *     resumed)
   * @param lowerIsBetter whether a smaller value is the better one (latency, cost) or a larger
   *     (rate)
   */
  record Figure(String key, String label, String unit, Double value, boolean lowerIsBetter) {

    static Figure lower(String key, String label, String unit, Double value) {
      return new Figure(key, label, unit, finite(value), true);
    }

    static Figure higher(String key, String label, String unit, Double value) {
      return new Figure(key, label, unit, finite(value), false);
    }

    private static Double finite(Double value) {
      return value == null || value.isNaN() || value.isInfinite() ? null : value;
    }
  }

  /** The aggregate of one figure over the runs. */
  record Aggregate(Figure first, List<Double> values, Double median, Double min, Double max) {

    JsonObject toJson() {
      JsonArray all = new JsonArray();
      values.forEach(all::add);
      return new JsonObject()
          .put("key", first.key())
          .put("label", first.label())
          .put("unit", first.unit())
          .put("median", median)
          .put("min", min)
          .put("max", max)
          .put("runs", all)
          .put("notMeasuredIn", values.stream().filter(v -> v == null).count());
    }

    /** {@code 12.3 s [11.0-14.2]}, with "not reached" where a run could not measure it. */
    String text() {
      if (values.size() == 1) {
        return format(median) + " " + first.unit();
      }
      return format(median) + " " + first.unit() + " [" + format(min) + " - " + format(max) + "]";
    }

    private static String format(Double v) {
      return v == null ? "n/a" : String.format(Locale.ROOT, "%.2f", v);
    }
  }

  /** Aggregates the figures of every run by key, in the order they first appear. */
  static List<Aggregate> aggregate(List<List<Figure>> runs) {
    Map<String, List<Figure>> byKey = new LinkedHashMap<>();
    for (List<Figure> run : runs) {
      for (Figure f : run) {
        byKey.computeIfAbsent(f.key(), k -> new ArrayList<>()).add(f);
      }
    }
    List<Aggregate> out = new ArrayList<>();
    for (List<Figure> figures : byKey.values()) {
      Figure first = figures.get(0);
      List<Double> values = figures.stream().map(Figure::value).toList();
      // Worst last: a run that could not measure the figure is worse than any that could.
      Comparator<Double> better =
          first.lowerIsBetter() ? Comparator.naturalOrder() : Comparator.reverseOrder();
      List<Double> sorted = new ArrayList<>(values);
      sorted.sort(Comparator.nullsLast(better));
      Double median = median(sorted);
      List<Double> measured = values.stream().filter(v -> v != null).toList();
      boolean anyMissing = measured.size() < values.size();
      Double smallest = measured.stream().min(Double::compare).orElse(null);
      Double largest = measured.stream().max(Double::compare).orElse(null);
      // The missing end of the spread is the worst one: unbounded latency above, no rate at all
      // below.
      Double min = first.lowerIsBetter() || !anyMissing ? smallest : null;
      Double max = !first.lowerIsBetter() || !anyMissing ? largest : null;
      out.add(new Aggregate(first, values, median, min, max));
    }
    return out;
  }

  /**
   * Median of values sorted best first with nulls (worst) last; the mean of the middle two for an
   * even count.
   */
  private static Double median(List<Double> sorted) {
    int n = sorted.size();
    if (n % 2 == 1) {
      return sorted.get(n / 2);
    }
    Double a = sorted.get(n / 2 - 1);
    Double b = sorted.get(n / 2);
    return a == null || b == null ? null : (a + b) / 2;
  }

  static JsonArray toJson(List<Aggregate> aggregates) {
    JsonArray out = new JsonArray();
    aggregates.forEach(a -> out.add(a.toJson()));
    return out;
  }
}
