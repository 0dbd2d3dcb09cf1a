package dev.mesh.bench.chaos;

import java.util.List;

/**
 * One row of the chaos table and the invariant violations found (empty when the scenario held).
 *
 * @param acknowledged distinct events acknowledged to publishers ({@code (epoch, seq)})
 * @param received event copies delivered to subscribers, duplicates included
 * @param silentlyLost owed events (acknowledged, times subscribers) a page neither received nor was
 *     told about by a {@code reset} or {@code gap}: must be 0
 * @param announced owed events a page did not receive and was told about ({@code reset}/{@code
 *     gap})
 * @param duplicated event copies a page received twice
 * @param detection what was measured about detection and recovery, e.g. {@code "purged 0.4 s,
 *     resumed 1.9 s"}
 */
public record ChaosResult(
    String scenario,
    String load,
    String faults,
    long acknowledged,
    long received,
    long silentlyLost,
    long announced,
    long duplicated,
    String detection,
    List<String> violations) {

  static ChaosResult of(
      String scenario,
      String load,
      String faults,
      Traffic.Tally tally,
      String detection,
      List<String> violations) {
    return new ChaosResult(
        scenario,
        load,
        faults,
        tally.acked(),
        tally.received(),
        tally.lost(),
        tally.announced(),
        tally.duplicates(),
        detection,
        List.copyOf(violations));
  }

  public boolean passed() {
    return violations.isEmpty();
  }

  public static String header() {
    return "| scenario | load | faults injected | acknowledged | received | silently lost | announced (reset/gap) "
        + "| duplicated | detection / recovery | invariant |\n"
        + "|---|---|---|---:|---:|---:|---:|---:|---|---|";
  }

  public String row() {
    return "| "
        + scenario
        + " | "
        + load
        + " | "
        + faults
        + " | "
        + acknowledged
        + " | "
        + received
        + " | "
        + silentlyLost
        + " | "
        + announced
        + " | "
        + duplicated
        + " | "
        + detection
        + " | "
        + (passed() ? "held" : "VIOLATED: " + String.join("; ", violations))
        + " |";
  }
}
