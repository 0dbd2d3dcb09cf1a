package dev.mesh.bench.chaos;

import dev.mesh.bench.membership.CpuHog;

/** A CPU hog for the duration of a scenario, or nothing. */
final class Hog implements AutoCloseable {

  private final CpuHog hog;

  private Hog(CpuHog hog) {
    this.hog = hog;
  }

  /**
   * Busy processes on every core, at this JVM's priority (the services' too: they are its
   * children).
   */
  static Hog start() {
    return new Hog(CpuHog.everyCore());
  }

  static Hog none() {
    return new Hog(null);
  }

  @Override
  public void close() {
    if (hog != null) {
      hog.close();
    }
  }
}
