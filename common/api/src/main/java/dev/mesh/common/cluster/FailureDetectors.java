package dev.mesh.common.cluster;

import com.hazelcast.config.Config;

/**
 * Hazelcast properties of the two heartbeat failure detectors. With phi accrual, {@code
 * max.no.heartbeat.seconds} (the failure timeout) is the longest silence accepted before suspicion
 * is even computed; the threshold and the minimum standard deviation decide how far past the usual
 * heartbeat rhythm a member may fall (docs/MEMBERSHIP.md).
 */
public final class FailureDetectors {

  /** Suspicion level above which a member is removed (Hazelcast's default: 10). */
  public static final double PHI_THRESHOLD = 10;

  /** Heartbeat intervals remembered (Hazelcast's default: 200). */
  public static final int PHI_SAMPLE_SIZE = 200;

  /**
   * Floor of the standard deviation of heartbeat intervals. Hazelcast's default of 100 ms assumes a
   * steady rhythm; a starved machine delays heartbeats by seconds, so the floor is raised to keep a
   * late heartbeat from looking like a death (measured in docs/bench/failure-detection.md).
   */
  public static final long PHI_MIN_STD_DEV_MILLIS = 1000;

  private FailureDetectors() {}

  static void apply(Config config, ClusterOptions options) {
    config.setProperty(
        "hazelcast.heartbeat.failuredetector.type", options.failureDetector().wireName());
    if (options.failureDetector() == FailureDetector.PHI_ACCRUAL) {
      config.setProperty(
          "hazelcast.heartbeat.phiaccrual.failuredetector.threshold",
          Double.toString(PHI_THRESHOLD));
      config.setProperty(
          "hazelcast.heartbeat.phiaccrual.failuredetector.sample.size",
          Integer.toString(PHI_SAMPLE_SIZE));
      config.setProperty(
          "hazelcast.heartbeat.phiaccrual.failuredetector.min.std.dev.millis",
          Long.toString(PHI_MIN_STD_DEV_MILLIS));
    }
  }
}
