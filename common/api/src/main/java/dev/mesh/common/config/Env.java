package dev.mesh.common.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed reads of configuration variables with defaults and bounds. Invalid values do not throw one
 * at a time: they are collected, and {@link #validate()} throws one {@link ConfigException} naming
 * every bad variable, what it holds and what it should hold.
 */
public final class Env {

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?");

  private final Map<String, String> variables;
  private final List<String> problems = new ArrayList<>();

  private Env(Map<String, String> variables) {
    this.variables = Map.copyOf(variables);
  }

  /** The process environment. */
  public static Env system() {
    return new Env(System.getenv());
  }

  /** A given set of variables (tests, embedded use). */
  public static Env of(Map<String, String> variables) {
    return new Env(variables);
  }

  private String raw(String name) {
    String value = variables.get(name);
    return value == null || value.isBlank() ? null : value.trim();
  }

  public String string(String name, String defaultValue) {
    String value = raw(name);
    return value == null ? defaultValue : value;
  }

  public int integer(String name, int defaultValue, int min, int max) {
    String value = raw(name);
    if (value == null) {
      return defaultValue;
    }
    try {
      int parsed = Integer.parseInt(value);
      if (parsed < min || parsed > max) {
        problems.add(name + "=" + value + ": must be between " + min + " and " + max);
        return defaultValue;
      }
      return parsed;
    } catch (NumberFormatException e) {
      problems.add(name + "=" + value + ": must be a whole number between " + min + " and " + max);
      return defaultValue;
    }
  }

  /** A TCP port, 0 meaning "any free port". */
  public int port(String name, int defaultValue) {
    return integer(name, defaultValue, 0, 65535);
  }

  /**
   * A TCP port that has no default: empty when the variable is unset (for something that is off
   * unless asked for), empty too when its value is invalid (reported by {@link #validate()}).
   */
  public OptionalInt optionalPort(String name) {
    if (raw(name) == null) {
      return OptionalInt.empty();
    }
    int problemsBefore = problems.size();
    int port = integer(name, 0, 0, 65535);
    return problems.size() > problemsBefore ? OptionalInt.empty() : OptionalInt.of(port);
  }

  public boolean bool(String name, boolean defaultValue) {
    String value = raw(name);
    if (value == null) {
      return defaultValue;
    }
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1", "on" -> true;
      case "false", "no", "0", "off" -> false;
      default -> {
        problems.add(name + "=" + value + ": must be true or false");
        yield defaultValue;
      }
    };
  }

  /**
   * A duration written as a number with an optional unit: {@code 250ms}, {@code 25s}, {@code 5m},
   * {@code 1h}; a bare number is milliseconds.
   */
  public Duration duration(String name, Duration defaultValue, Duration min, Duration max) {
    String value = raw(name);
    if (value == null) {
      return defaultValue;
    }
    Matcher matcher = DURATION.matcher(value.toLowerCase(Locale.ROOT));
    if (!matcher.matches()) {
      problems.add(name + "=" + value + ": must be a duration such as 250ms, 25s, 5m or 1h");
      return defaultValue;
    }
    long amount;
    try {
      amount = Long.parseLong(matcher.group(1));
    } catch (NumberFormatException e) {
      problems.add(name + "=" + value + ": number too large");
      return defaultValue;
    }
    String unit = matcher.group(2) == null ? "ms" : matcher.group(2);
    Duration parsed =
        switch (unit) {
          case "s" -> Duration.ofSeconds(amount);
          case "m" -> Duration.ofMinutes(amount);
          case "h" -> Duration.ofHours(amount);
          default -> Duration.ofMillis(amount);
        };
    if (parsed.compareTo(min) < 0 || parsed.compareTo(max) > 0) {
      problems.add(name + "=" + value + ": must be between " + format(min) + " and " + format(max));
      return defaultValue;
    }
    return parsed;
  }

  /** A comma-separated list; empty items are dropped. */
  public List<String> list(String name, List<String> defaultValue) {
    String value = raw(name);
    if (value == null) {
      return defaultValue;
    }
    List<String> items =
        Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    if (items.isEmpty()) {
      problems.add(name + "=" + value + ": must list at least one item, comma-separated");
      return defaultValue;
    }
    return items;
  }

  /** Records a problem found by a cross-field check (e.g. timeout must be below interval). */
  public void reject(String problem) {
    problems.add(problem);
  }

  /** Throws one {@link ConfigException} listing every invalid value read so far, if any. */
  public void validate() {
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
  }

  private static String format(Duration duration) {
    long millis = duration.toMillis();
    if (millis % 3_600_000 == 0 && millis > 0) {
      return millis / 3_600_000 + "h";
    }
    if (millis % 60_000 == 0 && millis > 0) {
      return millis / 60_000 + "m";
    }
    if (millis % 1000 == 0 && millis > 0) {
      return millis / 1000 + "s";
    }
    return millis + "ms";
  }
}
