package dev.mesh.common.config;

import java.util.List;

/**
 * Thrown at start when one or more configuration values are invalid; lists every problem, one per
 * line.
 */
public final class ConfigException extends RuntimeException {

  private final List<String> problems;

  public ConfigException(List<String> problems) {
    super("invalid configuration:\n  " + String.join("\n  ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
