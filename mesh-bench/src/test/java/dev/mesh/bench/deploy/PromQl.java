package dev.mesh.bench.deploy;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads, without a full parser: strings, label matchers,
 * ranges and grouping clauses are removed, then every identifier that is not a function, an
 * aggregation or a keyword is a metric name. {@code promtool} checks the syntax; this only answers
 * "which series does it need".
 */
final class PromQl {

  private static final Pattern STRING =
      Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
  private static final Pattern MATCHERS = Pattern.compile("\\{[^{}]*}");
  private static final Pattern RANGE = Pattern.compile("\\[[^\\[\\]]*]");
  private static final Pattern GROUPING =
      Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^()]*\\)");

  /** An identifier not inside a number (1e-9, 0x1f) and not a label name before {@code =}. */
  private static final Pattern IDENTIFIER =
      Pattern.compile("(?<![\\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\\w:])");

  private static final Set<String> KEYWORDS =
      Set.of(
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "bool",
          "and",
          "or",
          "unless",
          "offset",
          "Inf",
          "NaN",
          "inf",
          "nan",
          "atan2");

  private PromQl() {}

  /** Grafana's variables replaced by values PromQL accepts. */
  static String fromGrafana(String expr) {
    return expr.replace("$__rate_interval", "5m")
        .replace("$__interval", "1m")
        .replace("$__range", "1h")
        .replaceAll("\\$\\{?[A-Za-z_]+}?", ".*");
  }

  static Set<String> metricNames(String expr) {
    String text = STRING.matcher(expr).replaceAll(" ");
    text = MATCHERS.matcher(text).replaceAll(" ");
    text = RANGE.matcher(text).replaceAll(" ");
    String previous;
    do {
      previous = text;
      text = GROUPING.matcher(text).replaceAll(" ");
    } while (!text.equals(previous));
    Set<String> names = new TreeSet<>();
    Matcher matcher = IDENTIFIER.matcher(text);
    while (matcher.find()) {
      String name = matcher.group(1);
      boolean function = text.substring(matcher.end()).matches("(?s)\\s*\\(.*");
      if (!function && !KEYWORDS.contains(name)) {
        names.add(name);
      }
    }
    return names;
  }
}
