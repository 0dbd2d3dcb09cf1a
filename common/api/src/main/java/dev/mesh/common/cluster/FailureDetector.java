package dev.mesh.common.cluster;

import java.util.Locale;

/**
 * How a member decides that another one is gone ({@code MESH_CLUSTER_FAILURE_DETECTOR}). Both are
 * Hazelcast's own heartbeat failure detectors; docs/MEMBERSHIP.md compares them under CPU
 * starvation.
 */
public enum FailureDetector {
  /**
   * A member silent for the failure timeout is removed. Predictable: detection time is the timeout.
   */
  DEADLINE("deadline"),
  /**
   * Phi accrual: suspicion grows with silence measured against the history of heartbeat intervals;
   * the failure timeout is the longest pause accepted before the suspicion level is even consulted.
   */
  PHI_ACCRUAL("phi-accrual");

  private final String wireName;

  FailureDetector(String wireName) {
    this.wireName = wireName;
  }

  /**
   * The value of {@code MESH_CLUSTER_FAILURE_DETECTOR} and of {@code
   * hazelcast.heartbeat.failuredetector.type}.
   */
  public String wireName() {
    return wireName;
  }

  /** The detector named {@code value}, or null when the name is unknown. */
  public static FailureDetector named(String value) {
    for (FailureDetector detector : values()) {
      if (detector.wireName.equals(value.trim().toLowerCase(Locale.ROOT))) {
        return detector;
      }
    }
    return null;
  }
}
