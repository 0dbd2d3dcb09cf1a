package dev.mesh.bench.chaos;

import java.util.List;

/**
 * One row of the chaos table and the invariant violations found (empty when the scenario held).
 *
 * @param detection what was measured about detection and recovery, e.g. {@code "purged 0.4 s, resumed 1.9 s"}
 */
public record ChaosResult(String scenario, String load, String faults, long sent, long received, long lost,
                          long duplicated, String detection, List<String> violations) {

  public boolean passed() {
    return violations.isEmpty();
  }

  public static String header() {
    return "| scenario | load | faults injected | events sent | received | lost | duplicated | detection / recovery | invariant |\n"
        + "|---|---|---|---:|---:|---:|---:|---|---|";
  }

  public String row() {
    return "| " + scenario + " | " + load + " | " + faults + " | " + sent + " | " + received + " | " + lost + " | "
        + duplicated + " | " + detection + " | " + (passed() ? "held" : "VIOLATED: " + String.join("; ", violations))
        + " |";
  }
}
