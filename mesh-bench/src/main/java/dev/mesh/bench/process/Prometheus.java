package dev.mesh.bench.process;

import java.util.OptionalDouble;

/** Reads values out of a Prometheus text exposition (what {@code /metrics} serves). */
public final class Prometheus {

  private Prometheus() {}

  /**
   * Sum of the samples of {@code metric} whose label set contains every {@code labels} fragment
   * (written as in the text, e.g. {@code reason="heartbeat-timeout"}); empty when there is none.
   */
  public static OptionalDouble sum(String text, String metric, String... labels) {
    double total = 0;
    boolean found = false;
    for (String line : text.lines().toList()) {
      if (line.startsWith("#") || !line.startsWith(metric)) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      String name = line.substring(0, space);
      String bare = name.contains("{") ? name.substring(0, name.indexOf('{')) : name;
      if (!bare.equals(metric)) {
        continue;
      }
      boolean matches = true;
      for (String label : labels) {
        matches &= name.contains(label);
      }
      if (matches) {
        total += Double.parseDouble(line.substring(space + 1));
        found = true;
      }
    }
    return found ? OptionalDouble.of(total) : OptionalDouble.empty();
  }
}
