package dev.mesh.bench.chaos;

import java.time.Duration;

/**
 * How big a chaos run is.
 *
 * @param subscribers pages receiving throughout
 * @param publishers pages publishing throughout
 * @param ratePerPublisher events per second per publisher
 * @param beforeFault publishing time before the fault
 * @param afterFault publishing time after the fault
 * @param fuzzFor how long the fuzzer sends
 * @param fuzzers connections sending fuzzed frames concurrently
 */
public record ChaosScale(
    String name,
    int subscribers,
    int publishers,
    double ratePerPublisher,
    Duration beforeFault,
    Duration afterFault,
    Duration fuzzFor,
    int fuzzers) {

  /** Small enough for every build: each scenario well under a minute on 2 cores. */
  public static final ChaosScale SMALL =
      new ChaosScale(
          "small",
          20,
          4,
          10,
          Duration.ofSeconds(2),
          Duration.ofSeconds(4),
          Duration.ofSeconds(5),
          2);

  /**
   * The full run recorded in docs/bench: 2,000 pages receiving 20 events/s each (40,000
   * deliveries/s), which the generator and the servers sustain together on this 2-core machine
   * without backpressure drops.
   */
  public static final ChaosScale FULL =
      new ChaosScale(
          "full",
          2000,
          10,
          2,
          Duration.ofSeconds(5),
          Duration.ofSeconds(15),
          Duration.ofSeconds(60),
          8);

  public static ChaosScale named(String name) {
    return switch (name) {
      case "small" -> SMALL;
      case "full" -> FULL;
      default -> throw new IllegalArgumentException("scale is small or full, not " + name);
    };
  }

  String load() {
    return subscribers
        + " subscribers, "
        + publishers
        + " publishers x "
        + (int) ratePerPublisher
        + "/s";
  }
}
