package dev.mesh.common.presence.state;

/**
 * Versions of users and channels: above the previous one, and at least the clock in microseconds,
 * so that a state forgotten and recreated later still numbers its changes above those already
 * published.
 */
final class Versions {

  private Versions() {}

  static long next(long previous, long nowMillis) {
    return Math.max(previous + 1, nowMillis * 1000);
  }
}
