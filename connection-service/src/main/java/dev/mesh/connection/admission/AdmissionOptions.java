package dev.mesh.connection.admission;

import dev.mesh.common.config.Env;
import java.time.Duration;

/**
 * How fast a node takes on new connections (README "Configuration", docs/PROTOCOL.md 1.2 step 3b).
 *
 * @param ratePerSecond {@code MESH_ADMISSION_RATE}, default {@value #DEFAULT_RATE_PER_SECOND}: new
 *     connections admitted per second (token bucket refill); also the pace at which deferred
 *     clients are told to come back
 * @param burst {@code MESH_ADMISSION_BURST}, default {@value #DEFAULT_BURST}: connections admitted
 *     at once above that rate (bucket size)
 * @param maxInFlight {@code MESH_ADMISSION_MAX_IN_FLIGHT}, default {@value #DEFAULT_MAX_IN_FLIGHT}:
 *     connections between their upgrade (or SSE request) and their {@code welcome} or refusal at
 *     once (authentication, connect authorisation, registry write); a node slowed down admits
 *     fewer. An admission mostly waits (registry round trips), so the limit, not the cores, set the
 *     pace of a storm: the survivor of a 10,000-page storm on 2 cores admitted 263 a second with
 *     200, and 440-615 with 1,000 (docs/bench/README.md); the hints still follow the hold time it
 *     measures
 * @param maxHint {@code MESH_ADMISSION_MAX_HINT}, default 60s: the longest retry-after hint; past
 *     it the queue of deferred clients stops growing and further ones are spread over its second
 *     half
 * @param registryWindow {@code MESH_ADMISSION_REGISTRY_WINDOW}, default 40ms: how long an event
 *     loop gathers the registry writes of the connections it admits before sending them, one
 *     Hazelcast call per partition owner, while connections keep arriving (one less than a window
 *     after the one before). Connections arriving a few milliseconds apart then share calls, and
 *     their {@code welcome}s, announcements and writes leave together: at 400 connects a second per
 *     loop a warm connect cost the edge 0.47 CPU s per 1,000 with 40ms against 0.54 with 10ms
 *     (docs/bench/README.md, twenty-ninth measurement). A connection's {@code welcome} waits at
 *     most this long more; one after a quiet window is not held. 0 sends each turn's writes at the
 *     end of the turn.
 */
public record AdmissionOptions(
    int ratePerSecond, int burst, int maxInFlight, Duration maxHint, Duration registryWindow) {

  public static final int DEFAULT_RATE_PER_SECOND = 1000;
  public static final int DEFAULT_BURST = 500;
  public static final int DEFAULT_MAX_IN_FLIGHT = 1000;
  public static final Duration DEFAULT_MAX_HINT = Duration.ofSeconds(60);
  public static final Duration DEFAULT_REGISTRY_WINDOW = Duration.ofMillis(40);
  public static final Duration MAX_REGISTRY_WINDOW = Duration.ofSeconds(1);

  public AdmissionOptions {
    if (ratePerSecond < 1 || burst < 1 || maxInFlight < 1) {
      throw new IllegalArgumentException(
          "admission rate, burst and in-flight limit must be at least 1");
    }
    if (maxHint.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException(
          "the longest admission hint must be at least 1s, was " + maxHint);
    }
    if (registryWindow.isNegative() || registryWindow.compareTo(MAX_REGISTRY_WINDOW) > 0) {
      throw new IllegalArgumentException(
          "the registry window must be from 0 to "
              + MAX_REGISTRY_WINDOW
              + ", was "
              + registryWindow);
    }
  }

  public static AdmissionOptions defaults() {
    return new AdmissionOptions(
        DEFAULT_RATE_PER_SECOND,
        DEFAULT_BURST,
        DEFAULT_MAX_IN_FLIGHT,
        DEFAULT_MAX_HINT,
        DEFAULT_REGISTRY_WINDOW);
  }

  public static AdmissionOptions fromEnv(Env env) {
    return new AdmissionOptions(
        env.integer("MESH_ADMISSION_RATE", DEFAULT_RATE_PER_SECOND, 1, 1_000_000),
        env.integer("MESH_ADMISSION_BURST", DEFAULT_BURST, 1, 1_000_000),
        env.integer("MESH_ADMISSION_MAX_IN_FLIGHT", DEFAULT_MAX_IN_FLIGHT, 1, 1_000_000),
        env.duration(
            "MESH_ADMISSION_MAX_HINT",
            DEFAULT_MAX_HINT,
            Duration.ofSeconds(1),
            Duration.ofHours(1)),
        env.duration(
            "MESH_ADMISSION_REGISTRY_WINDOW",
            DEFAULT_REGISTRY_WINDOW,
            Duration.ZERO,
            MAX_REGISTRY_WINDOW));
  }
}
